using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ModelMerge.Formats.Numerics;

/// <summary>
/// Widens stored elements to float32 and rounds float32 back (nearest even), for the mergeable
/// types. Widening also tells whether every element was finite (see <see cref="NonFiniteElements"/>):
/// the test rides on the loads the widening makes anyway, so checking inputs costs no pass of its own.
/// Rounding tells the same of what it wrote, so an output that overflowed is caught as it is made.
/// Every type widens exactly but F64, which is rounded to float32 (nearest even) as it is read.
/// </summary>
public static class ElementConversion
{
    /// <returns>True when every element is finite; false when one is NaN or ±∞ (the values are widened either way).</returns>
    public static bool ToSingle(DType dtype, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (dtype)
        {
            case DType.F32:
                return NonFiniteElements.CopyAllFinite(DType.F32, source, MemoryMarshal.AsBytes(destination));
            case DType.BF16:
                return BFloat16Conversion.ToSingle(MemoryMarshal.Cast<byte, ushort>(source), destination);
            case DType.F16:
                // The hardware conversion leaves no loop to fold the test into; testing the 16-bit
                // source first also brings the chunk into cache for the conversion.
                bool finite = NonFiniteElements.AllFinite(DType.F16, source);
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source), destination);
                return finite;
            case DType.F64:
                return NarrowDoubles(MemoryMarshal.Cast<byte, ulong>(source), destination);
            case DType.F8_E4M3 or DType.F8_E5M2:
                return Float8Conversion.ToSingle(dtype, source, destination);
            default:
                throw new ArgumentException($"{dtype} is not a floating-point type that merges compute on.", nameof(dtype));
        }
    }

    /// <returns>True when every element written is finite; false when one is NaN or ±∞ (a value past the type's range rounds to ∞).</returns>
    public static bool FromSingle(DType dtype, ReadOnlySpan<float> source, Span<byte> destination)
    {
        switch (dtype)
        {
            case DType.F32:
                return NonFiniteElements.CopyAllFinite(DType.F32, MemoryMarshal.AsBytes(source), destination);
            case DType.BF16:
                return BFloat16Conversion.FromSingle(source, MemoryMarshal.Cast<byte, ushort>(destination));
            case DType.F16:
                // As on the way in: the hardware conversion has no loop to fold the test into, and
                // the half-width result is still in cache for it.
                var halves = destination[..(source.Length * sizeof(ushort))];
                TensorPrimitives.ConvertToHalf(source, MemoryMarshal.Cast<byte, Half>(halves));
                return NonFiniteElements.AllFinite(DType.F16, halves);
            case DType.F64:
                return WidenSingles(source, MemoryMarshal.Cast<byte, double>(destination));
            case DType.F8_E4M3 or DType.F8_E5M2:
                return Float8Conversion.FromSingle(dtype, source, destination);
            default:
                throw new ArgumentException($"{dtype} is not a floating-point type that merges compute on.", nameof(dtype));
        }
    }

    /// <summary>float64 bits rounded to float32; true when every stored element is finite.</summary>
    private static bool NarrowDoubles(ReadOnlySpan<ulong> source, Span<float> destination)
    {
        if (destination.Length < source.Length) throw new ArgumentException("destination is too short", nameof(destination));
        ulong largest = 0;
        for (int i = 0; i < source.Length; i++)
        {
            ulong bits = source[i];
            largest = Math.Max(largest, bits & 0x7FFF_FFFF_FFFF_FFFF);
            destination[i] = (float)BitConverter.UInt64BitsToDouble(bits);
        }
        return largest < 0x7FF0_0000_0000_0000;
    }

    private static bool WidenSingles(ReadOnlySpan<float> source, Span<double> destination)
    {
        if (destination.Length < source.Length) throw new ArgumentException("destination is too short", nameof(destination));
        bool finite = true;
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = source[i];
            finite &= float.IsFinite(source[i]);
        }
        return finite;
    }

    /// <summary>
    /// a − b widened to float32 in one pass, for two stored tensors (a task vector from a
    /// fine-tune and its base): no intermediate float copy of either input.
    /// </summary>
    /// <returns>True when every element of both inputs is finite.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool Difference(DType dtypeA, ReadOnlySpan<byte> a, DType dtypeB, ReadOnlySpan<byte> b, Span<float> destination)
    {
        if (dtypeA == DType.BF16 && dtypeB == DType.BF16)
            return BFloat16Conversion.Difference(MemoryMarshal.Cast<byte, ushort>(a), MemoryMarshal.Cast<byte, ushort>(b), destination);
        bool finite = ToSingle(dtypeA, a, destination);
        var scratch = ArrayPool<float>.Shared.Rent(destination.Length);
        try
        {
            var values = scratch.AsSpan(0, destination.Length);
            finite &= ToSingle(dtypeB, b, values);
            TensorPrimitives.Subtract(destination, values, destination);
        }
        finally { ArrayPool<float>.Shared.Return(scratch); }
        return finite;
    }
}
