using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ModelMerge.Formats.Numerics;

/// <summary>
/// The two 8-bit float types safetensors declares, as torch defines them: F8_E4M3 is
/// <c>float8_e4m3fn</c> (bias 7, no infinities, S.1111.111 is NaN, largest 448) and F8_E5M2 is
/// <c>float8_e5m2</c> (bias 15, IEEE-like: S.11111.00 is ±∞, larger patterns NaN). With 256
/// patterns each, widening is a table lookup and exact; narrowing rounds to nearest even, and a
/// value past the largest finite one becomes ±∞ (E5M2) or NaN (E4M3, which has no ∞), as torch's
/// casts do.
/// </summary>
public static class Float8Conversion
{
    private static readonly float[] E4M3 = Table(DType.F8_E4M3);
    private static readonly float[] E5M2 = Table(DType.F8_E5M2);

    /// <summary>The magnitude pattern (sign cleared) from which an element is NaN or ±∞.</summary>
    internal static byte Infinity8(DType dtype) => dtype switch
    {
        DType.F8_E4M3 => 0x7F,
        DType.F8_E5M2 => 0x7C,
        _ => throw new ArgumentException($"{dtype} is not an 8-bit float type.", nameof(dtype)),
    };

    public static float ToSingle(DType dtype, byte bits) => TableOf(dtype)[bits];

    /// <summary>Widens every element exactly; true when all are finite.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool ToSingle(DType dtype, ReadOnlySpan<byte> source, Span<float> destination)
    {
        if (destination.Length < source.Length) throw new ArgumentException("destination is too short", nameof(destination));
        var table = TableOf(dtype);
        byte infinity = Infinity8(dtype);
        int largest = 0;
        for (int i = 0; i < source.Length; i++)
        {
            byte bits = source[i];
            destination[i] = table[bits];
            largest = Math.Max(largest, bits & 0x7F);
        }
        return largest < infinity;
    }

    /// <summary>Rounds every element to nearest even; true when every result is finite.</summary>
    public static bool FromSingle(DType dtype, ReadOnlySpan<float> source, Span<byte> destination)
    {
        if (destination.Length < source.Length) throw new ArgumentException("destination is too short", nameof(destination));
        byte infinity = Infinity8(dtype);
        int largest = 0;
        for (int i = 0; i < source.Length; i++)
        {
            byte bits = FromSingle(dtype, source[i]);
            destination[i] = bits;
            largest = Math.Max(largest, bits & 0x7F);
        }
        return largest < infinity;
    }

    /// <summary>
    /// <paramref name="value"/> rounded to nearest even. Scaling by a power of two is exact in
    /// float64, so one <see cref="Math.Round(double, MidpointRounding)"/> of the scaled magnitude
    /// is the only rounding; a carry out of the mantissa moves into the exponent by itself.
    /// </summary>
    public static byte FromSingle(DType dtype, float value)
    {
        var (mantissaBits, bias, largestFinite, overflow) = Layout(dtype);
        uint bits = BitConverter.SingleToUInt32Bits(value);
        int sign = (int)(bits >> 24) & 0x80;
        if (float.IsNaN(value)) return (byte)(sign | 0x7F);
        double magnitude = Math.Abs((double)value);
        int minNormalExponent = 1 - bias;
        int code;
        if (float.IsInfinity(value)) code = overflow;
        else if (magnitude < Math.ScaleB(1.0, minNormalExponent))
        {
            // Subnormal (or zero): the mantissa counts units of 2^(minNormalExponent − mantissaBits).
            code = (int)Math.Round(Math.ScaleB(magnitude, mantissaBits - minNormalExponent), MidpointRounding.ToEven);
        }
        else
        {
            int exponent = (int)((bits >> 23) & 0xFF) - 127;
            if (exponent + bias > 0x7F >> mantissaBits) code = overflow;
            else
            {
                long mantissa = (long)Math.Round(Math.ScaleB(magnitude, mantissaBits - exponent), MidpointRounding.ToEven);
                code = (int)(((long)(exponent + bias) << mantissaBits) + mantissa - (1L << mantissaBits));
            }
        }
        if (code > largestFinite) code = overflow;
        return (byte)(sign | code);
    }

    private static (int MantissaBits, int Bias, int LargestFinite, int Overflow) Layout(DType dtype) => dtype switch
    {
        DType.F8_E4M3 => (3, 7, 0x7E, 0x7F),
        DType.F8_E5M2 => (2, 15, 0x7B, 0x7C),
        _ => throw new ArgumentException($"{dtype} is not an 8-bit float type.", nameof(dtype)),
    };

    private static float[] TableOf(DType dtype) => dtype switch
    {
        DType.F8_E4M3 => E4M3,
        DType.F8_E5M2 => E5M2,
        _ => throw new ArgumentException($"{dtype} is not an 8-bit float type.", nameof(dtype)),
    };

    private static float[] Table(DType dtype)
    {
        var (mantissaBits, bias, _, _) = Layout(dtype);
        byte infinity = Infinity8(dtype);
        var table = new float[256];
        for (int bits = 0; bits < 256; bits++)
        {
            int magnitudeBits = bits & 0x7F, exponent = magnitudeBits >> mantissaBits, mantissa = magnitudeBits & ((1 << mantissaBits) - 1);
            double magnitude = magnitudeBits > infinity || (magnitudeBits == infinity && dtype == DType.F8_E4M3) ? double.NaN
                : magnitudeBits == infinity ? double.PositiveInfinity
                : exponent == 0 ? Math.ScaleB(mantissa, 1 - bias - mantissaBits)
                : Math.ScaleB((1 << mantissaBits) + mantissa, exponent - bias - mantissaBits);
            table[bits] = (float)((bits & 0x80) != 0 ? -magnitude : magnitude);
        }
        return table;
    }
}
