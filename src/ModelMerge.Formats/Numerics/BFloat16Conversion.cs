using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ModelMerge.Formats.Numerics;

/// <summary>
/// bfloat16 is the top half of a float32, so widening is a shift and narrowing is a
/// round-to-nearest-even on the low 16 bits. .NET 8 has no BFloat16 type; we move raw bits.
/// </summary>
public static class BFloat16Conversion
{
    public static float ToSingle(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);

    public static ushort FromSingle(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        // A NaN must stay a NaN: rounding could carry its payload into the exponent and make it Inf.
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) return (ushort)((bits >> 16) | 0x0040);
        uint roundingBias = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ToSingle(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        if (destination.Length < source.Length) throw new ArgumentException("destination is too short", nameof(destination));
        ref ushort src = ref MemoryMarshal.GetReference(source);
        ref uint dst = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(destination));
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= source.Length - Vector512<ushort>.Count; i += Vector512<ushort>.Count)
            {
                var (lower, upper) = Vector512.Widen(Vector512.LoadUnsafe(ref src, (nuint)i));
                Vector512.ShiftLeft(lower, 16).StoreUnsafe(ref dst, (nuint)i);
                Vector512.ShiftLeft(upper, 16).StoreUnsafe(ref dst, (nuint)(i + Vector512<uint>.Count));
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= source.Length - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                var (lower, upper) = Vector256.Widen(Vector256.LoadUnsafe(ref src, (nuint)i));
                Vector256.ShiftLeft(lower, 16).StoreUnsafe(ref dst, (nuint)i);
                Vector256.ShiftLeft(upper, 16).StoreUnsafe(ref dst, (nuint)(i + Vector256<uint>.Count));
            }
        }
        for (; i < source.Length; i++) Unsafe.Add(ref dst, i) = (uint)Unsafe.Add(ref src, i) << 16;
    }

    /// <summary>a − b for two bf16 spans, each widened exactly, the difference rounded once to float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Difference(ReadOnlySpan<ushort> a, ReadOnlySpan<ushort> b, Span<float> destination)
    {
        if (b.Length != a.Length || destination.Length < a.Length) throw new ArgumentException("the spans differ in length", nameof(b));
        ref ushort left = ref MemoryMarshal.GetReference(a);
        ref ushort right = ref MemoryMarshal.GetReference(b);
        ref float dst = ref MemoryMarshal.GetReference(destination);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= a.Length - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                var (leftLower, leftUpper) = Vector256.Widen(Vector256.LoadUnsafe(ref left, (nuint)i));
                var (rightLower, rightUpper) = Vector256.Widen(Vector256.LoadUnsafe(ref right, (nuint)i));
                (Vector256.ShiftLeft(leftLower, 16).AsSingle() - Vector256.ShiftLeft(rightLower, 16).AsSingle()).StoreUnsafe(ref dst, (nuint)i);
                (Vector256.ShiftLeft(leftUpper, 16).AsSingle() - Vector256.ShiftLeft(rightUpper, 16).AsSingle())
                    .StoreUnsafe(ref dst, (nuint)(i + Vector256<float>.Count));
            }
        }
        for (; i < a.Length; i++) Unsafe.Add(ref dst, i) = ToSingle(Unsafe.Add(ref left, i)) - ToSingle(Unsafe.Add(ref right, i));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FromSingle(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        if (destination.Length < source.Length) throw new ArgumentException("destination is too short", nameof(destination));
        ref uint src = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(source));
        ref ushort dst = ref MemoryMarshal.GetReference(destination);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= source.Length - Vector512<ushort>.Count; i += Vector512<ushort>.Count)
            {
                var lower = Round(Vector512.LoadUnsafe(ref src, (nuint)i));
                var upper = Round(Vector512.LoadUnsafe(ref src, (nuint)(i + Vector512<uint>.Count)));
                Vector512.Narrow(lower, upper).StoreUnsafe(ref dst, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= source.Length - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                var lower = Round(Vector256.LoadUnsafe(ref src, (nuint)i));
                var upper = Round(Vector256.LoadUnsafe(ref src, (nuint)(i + Vector256<uint>.Count)));
                Vector256.Narrow(lower, upper).StoreUnsafe(ref dst, (nuint)i);
            }
        }
        for (; i < source.Length; i++) Unsafe.Add(ref dst, i) = FromSingle(BitConverter.UInt32BitsToSingle(Unsafe.Add(ref src, i)));
    }

    /// <summary>Round-to-nearest-even of the low half, leaving the result in the low 16 bits; NaNs quieted.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector512<uint> Round(Vector512<uint> bits)
    {
        var rounded = (bits + Vector512.Create(0x7FFFu) + ((bits >>> 16) & Vector512<uint>.One)) >>> 16;
        var isNaN = Vector512.GreaterThan(bits & Vector512.Create(0x7FFF_FFFFu), Vector512.Create(0x7F80_0000u));
        return Vector512.ConditionalSelect(isNaN, (bits >>> 16) | Vector512.Create(0x0040u), rounded);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector256<uint> Round(Vector256<uint> bits)
    {
        var rounded = (bits + Vector256.Create(0x7FFFu) + ((bits >>> 16) & Vector256<uint>.One)) >>> 16;
        var isNaN = Vector256.GreaterThan(bits & Vector256.Create(0x7FFF_FFFFu), Vector256.Create(0x7F80_0000u));
        return Vector256.ConditionalSelect(isNaN, (bits >>> 16) | Vector256.Create(0x0040u), rounded);
    }
}
