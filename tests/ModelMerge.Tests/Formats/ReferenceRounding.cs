namespace ModelMerge.Tests.Formats;

/// <summary>
/// An independent oracle for narrowing float32 to 16-bit floats: IEEE 754 round-to-nearest-even
/// computed in float64, where every float32 value, every quantum and every quotient below is
/// exact. It shares no code or bit tricks with the conversions under test.
/// </summary>
internal static class ReferenceRounding
{
    public static ushort ToBFloat16Bits(float value) => Round(value, exponentBits: 8, mantissaBits: 7);

    public static ushort ToHalfBits(float value) => Round(value, exponentBits: 5, mantissaBits: 10);

    public static double DecodeBFloat16(ushort bits) => Decode(bits, exponentBits: 8, mantissaBits: 7);

    public static double DecodeHalf(ushort bits) => Decode(bits, exponentBits: 5, mantissaBits: 10);

    private static ushort Round(float value, int exponentBits, int mantissaBits)
    {
        if (float.IsNaN(value)) throw new ArgumentException("a NaN has no nearest value; check NaNs separately.", nameof(value));
        uint sign = (BitConverter.SingleToUInt32Bits(value) >> 31) << (exponentBits + mantissaBits);
        uint infinity = ((1u << exponentBits) - 1) << mantissaBits;
        double magnitude = Math.Abs((double)value);
        if (double.IsInfinity(magnitude)) return (ushort)(sign | infinity);

        int bias = (1 << (exponentBits - 1)) - 1;
        int minExponent = 1 - bias;
        // Below the smallest normal the spacing stops shrinking: that is what subnormals are.
        int exponent = magnitude == 0 ? minExponent : Math.Max(Math.ILogB(magnitude), minExponent);
        double quantum = Math.ScaleB(1.0, exponent - mantissaBits);
        double steps = Math.Round(magnitude / quantum, MidpointRounding.ToEven);
        double implicitOne = Math.ScaleB(1.0, mantissaBits);
        if (steps == 2 * implicitOne)
        {
            exponent++;
            steps = implicitOne;
        }
        if (steps < implicitOne) return (ushort)(sign | (uint)steps);
        if (exponent > bias) return (ushort)(sign | infinity);
        return (ushort)(sign | ((uint)(exponent + bias) << mantissaBits) | (uint)(steps - implicitOne));
    }

    private static double Decode(ushort bits, int exponentBits, int mantissaBits)
    {
        int exponentMask = (1 << exponentBits) - 1;
        bool negative = (bits >> (exponentBits + mantissaBits) & 1) == 1;
        int exponent = (bits >> mantissaBits) & exponentMask;
        int mantissa = bits & ((1 << mantissaBits) - 1);
        int bias = (1 << (exponentBits - 1)) - 1;
        double magnitude = exponent == exponentMask
            ? (mantissa == 0 ? double.PositiveInfinity : double.NaN)
            : exponent == 0
                ? Math.ScaleB(mantissa, 1 - bias - mantissaBits)
                : Math.ScaleB(mantissa + (1 << mantissaBits), exponent - bias - mantissaBits);
        return negative ? -magnitude : magnitude;
    }
}
