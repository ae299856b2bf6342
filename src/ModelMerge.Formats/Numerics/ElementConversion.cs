using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ModelMerge.Formats.Numerics;

/// <summary>Widens stored elements to float32 and rounds float32 back (nearest even), for the mergeable types.</summary>
public static class ElementConversion
{
    public static void ToSingle(DType dtype, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (dtype)
        {
            case DType.F32:
                MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
                break;
            case DType.BF16:
                BFloat16Conversion.ToSingle(MemoryMarshal.Cast<byte, ushort>(source), destination);
                break;
            case DType.F16:
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source), destination);
                break;
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Difference(DType dtypeA, ReadOnlySpan<byte> a, DType dtypeB, ReadOnlySpan<byte> b, Span<float> destination)
    {
        if (dtypeA == DType.BF16 && dtypeB == DType.BF16)
        {
            BFloat16Conversion.Difference(MemoryMarshal.Cast<byte, ushort>(a), MemoryMarshal.Cast<byte, ushort>(b), destination);
            return;
        }
        ToSingle(dtypeA, a, destination);
        var scratch = ArrayPool<float>.Shared.Rent(destination.Length);
        try
        {
            var values = scratch.AsSpan(0, destination.Length);
            ToSingle(dtypeB, b, values);
            TensorPrimitives.Subtract(destination, values, destination);
        }
        finally { ArrayPool<float>.Shared.Return(scratch); }
    }
}
