using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ModelMerge.Formats.Numerics;

/// <summary>
/// Widens stored elements to float32 and rounds float32 back (nearest even), for the mergeable
/// types. Widening also tells whether every element was finite (see <see cref="NonFiniteElements"/>):
/// the test rides on the loads the widening makes anyway, so checking inputs costs no pass of its own.
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
            default:
                throw new ArgumentException($"{dtype} is not a floating-point type that merges compute on.", nameof(dtype));
        }
    }

    public static void FromSingle(DType dtype, ReadOnlySpan<float> source, Span<byte> destination)
    {
        switch (dtype)
        {
            case DType.F32:
                MemoryMarshal.AsBytes(source).CopyTo(destination);
                break;
            case DType.BF16:
                BFloat16Conversion.FromSingle(source, MemoryMarshal.Cast<byte, ushort>(destination));
                break;
            case DType.F16:
                TensorPrimitives.ConvertToHalf(source, MemoryMarshal.Cast<byte, Half>(destination));
                break;
            default:
                throw new ArgumentException($"{dtype} is not a floating-point type that merges compute on.", nameof(dtype));
        }
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
