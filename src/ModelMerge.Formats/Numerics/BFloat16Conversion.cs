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
    /// <summary>The bits below the sign; an element whose magnitude bits reach <see cref="Infinity"/> is NaN or ±∞.</summary>
    private const ushort Magnitude = 0x7FFF;

    private const ushort Infinity = 0x7F80;

    public static float ToSingle(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);

    public static ushort FromSingle(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        // A NaN must stay a NaN: rounding could carry its payload into the exponent and make it Inf.
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) return (ushort)((bits >> 16) | 0x0040);
        uint roundingBias = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }

    /// <summary>Widens every element; true when all are finite (the NaN/∞ test is one max per vector on the loaded bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool ToSingle(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        if (destination.Length < source.Length) throw new ArgumentException("destination is too short", nameof(destination));
        ref ushort src = ref MemoryMarshal.GetReference(source);
        ref uint dst = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(destination));
        int i = 0;
        bool finite = true;
        if (Vector512.IsHardwareAccelerated)
        {
            var largest = Vector512<ushort>.Zero;
            for (; i <= source.Length - Vector512<ushort>.Count; i += Vector512<ushort>.Count)
            {
                var bits = Vector512.LoadUnsafe(ref src, (nuint)i);
                largest = Vector512.Max(largest, bits & Vector512.Create(Magnitude));
                var (lower, upper) = Vector512.Widen(bits);
                Vector512.ShiftLeft(lower, 16).StoreUnsafe(ref dst, (nuint)i);
                Vector512.ShiftLeft(upper, 16).StoreUnsafe(ref dst, (nuint)(i + Vector512<uint>.Count));
            }
            finite = !Vector512.GreaterThanOrEqualAny(largest, Vector512.Create(Infinity));
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var largest = Vector256<ushort>.Zero;
            for (; i <= source.Length - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                var bits = Vector256.LoadUnsafe(ref src, (nuint)i);
                largest = Vector256.Max(largest, bits & Vector256.Create(Magnitude));
                var (lower, upper) = Vector256.Widen(bits);
                Vector256.ShiftLeft(lower, 16).StoreUnsafe(ref dst, (nuint)i);
                Vector256.ShiftLeft(upper, 16).StoreUnsafe(ref dst, (nuint)(i + Vector256<uint>.Count));
            }
            finite = !Vector256.GreaterThanOrEqualAny(largest, Vector256.Create(Infinity));
        }
        for (; i < source.Length; i++)
        {
            ushort bits = Unsafe.Add(ref src, i);
            finite &= (bits & Magnitude) < Infinity;
            Unsafe.Add(ref dst, i) = (uint)bits << 16;
        }
        return finite;
    }

    /// <summary>
    /// a − b for two bf16 spans, each widened exactly, the difference rounded once to float32;
    /// true when every element of both is finite.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool Difference(ReadOnlySpan<ushort> a, ReadOnlySpan<ushort> b, Span<float> destination)
    {
        if (b.Length != a.Length || destination.Length < a.Length) throw new ArgumentException("the spans differ in length", nameof(b));
        ref ushort left = ref MemoryMarshal.GetReference(a);
        ref ushort right = ref MemoryMarshal.GetReference(b);
        ref float dst = ref MemoryMarshal.GetReference(destination);
        int i = 0;
        bool finite = true;
        if (Vector512.IsHardwareAccelerated)
        {
            var largest = Vector512<ushort>.Zero;
            for (; i <= a.Length - Vector512<ushort>.Count; i += Vector512<ushort>.Count)
            {
                var leftBits = Vector512.LoadUnsafe(ref left, (nuint)i);
                var rightBits = Vector512.LoadUnsafe(ref right, (nuint)i);
                largest = Vector512.Max(largest, Vector512.Max(leftBits & Vector512.Create(Magnitude), rightBits & Vector512.Create(Magnitude)));
                var (leftLower, leftUpper) = Vector512.Widen(leftBits);
                var (rightLower, rightUpper) = Vector512.Widen(rightBits);
                (Vector512.ShiftLeft(leftLower, 16).AsSingle() - Vector512.ShiftLeft(rightLower, 16).AsSingle()).StoreUnsafe(ref dst, (nuint)i);
                (Vector512.ShiftLeft(leftUpper, 16).AsSingle() - Vector512.ShiftLeft(rightUpper, 16).AsSingle())
                    .StoreUnsafe(ref dst, (nuint)(i + Vector512<float>.Count));
            }
            finite = !Vector512.GreaterThanOrEqualAny(largest, Vector512.Create(Infinity));
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var largest = Vector256<ushort>.Zero;
            for (; i <= a.Length - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                var leftBits = Vector256.LoadUnsafe(ref left, (nuint)i);
                var rightBits = Vector256.LoadUnsafe(ref right, (nuint)i);
                largest = Vector256.Max(largest, Vector256.Max(leftBits & Vector256.Create(Magnitude), rightBits & Vector256.Create(Magnitude)));
                var (leftLower, leftUpper) = Vector256.Widen(leftBits);
                var (rightLower, rightUpper) = Vector256.Widen(rightBits);
                (Vector256.ShiftLeft(leftLower, 16).AsSingle() - Vector256.ShiftLeft(rightLower, 16).AsSingle()).StoreUnsafe(ref dst, (nuint)i);
                (Vector256.ShiftLeft(leftUpper, 16).AsSingle() - Vector256.ShiftLeft(rightUpper, 16).AsSingle())
                    .StoreUnsafe(ref dst, (nuint)(i + Vector256<float>.Count));
            }
            finite = !Vector256.GreaterThanOrEqualAny(largest, Vector256.Create(Infinity));
        }
        for (; i < a.Length; i++)
        {
            ushort leftBits = Unsafe.Add(ref left, i), rightBits = Unsafe.Add(ref right, i);
            finite &= (leftBits & Magnitude) < Infinity && (rightBits & Magnitude) < Infinity;
            Unsafe.Add(ref dst, i) = ToSingle(leftBits) - ToSingle(rightBits);
        }
        return finite;
    }

    /// <summary>Rounds every element to nearest even; true when every result is finite (one max per vector on the narrowed bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool FromSingle(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        if (destination.Length < source.Length) throw new ArgumentException("destination is too short", nameof(destination));
        ref uint src = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(source));
        ref ushort dst = ref MemoryMarshal.GetReference(destination);
        int i = 0;
        bool finite = true;
        if (Vector512.IsHardwareAccelerated)
        {
            var largest = Vector512<ushort>.Zero;
            for (; i <= source.Length - Vector512<ushort>.Count; i += Vector512<ushort>.Count)
            {
                var lower = Round(Vector512.LoadUnsafe(ref src, (nuint)i));
                var upper = Round(Vector512.LoadUnsafe(ref src, (nuint)(i + Vector512<uint>.Count)));
                var narrowed = Vector512.Narrow(lower, upper);
                narrowed.StoreUnsafe(ref dst, (nuint)i);
                largest = Vector512.Max(largest, narrowed & Vector512.Create(Magnitude));
            }
            finite = !Vector512.GreaterThanOrEqualAny(largest, Vector512.Create(Infinity));
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var largest = Vector256<ushort>.Zero;
            for (; i <= source.Length - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                var lower = Round(Vector256.LoadUnsafe(ref src, (nuint)i));
                var upper = Round(Vector256.LoadUnsafe(ref src, (nuint)(i + Vector256<uint>.Count)));
                var narrowed = Vector256.Narrow(lower, upper);
                narrowed.StoreUnsafe(ref dst, (nuint)i);
                largest = Vector256.Max(largest, narrowed & Vector256.Create(Magnitude));
            }
            finite = !Vector256.GreaterThanOrEqualAny(largest, Vector256.Create(Infinity));
        }
        for (; i < source.Length; i++)
        {
            ushort bits = FromSingle(BitConverter.UInt32BitsToSingle(Unsafe.Add(ref src, i)));
            Unsafe.Add(ref dst, i) = bits;
            finite &= (bits & Magnitude) < Infinity;
        }
        return finite;
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
