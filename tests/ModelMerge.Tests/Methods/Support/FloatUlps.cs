namespace ModelMerge.Tests.Methods.Support;

/// <summary>
/// Distances in units in the last place. Bit patterns are mapped onto a line where adjacent
/// representable values are adjacent integers and +0 and −0 coincide, so the distance between
/// two values is the number of representable steps between them, across zero included.
/// </summary>
internal static class FloatUlps
{
    public static int BFloat16Distance(ushort a, ushort b) => Math.Abs(Ordinal(a) - Ordinal(b));

    public static long SingleDistance(float a, float b) => Math.Abs(Ordinal(a) - Ordinal(b));

    /// <summary>
    /// The bf16 nearest to <paramref name="value"/>, ties to even, rounded once from the exact
    /// double (going through float32 first could round twice).
    /// </summary>
    public static ushort BFloat16Nearest(double value)
    {
        if (value == 0) return double.IsNegative(value) ? (ushort)0x8000 : (ushort)0;
        // bf16 keeps 8 significant bits; below 2^-126 its subnormals share the quantum 2^-133.
        int exponent = Math.Max(Math.ILogB(value), -126);
        double quantum = Math.ScaleB(1.0, exponent - 7);
        double rounded = Math.Round(value / quantum, MidpointRounding.ToEven) * quantum;
        return (ushort)(BitConverter.SingleToUInt32Bits((float)rounded) >> 16);
    }

    public static float BFloat16ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    private static int Ordinal(ushort bits) => (bits & 0x8000) != 0 ? -(bits & 0x7FFF) : bits;

    private static long Ordinal(float value)
    {
        int bits = BitConverter.SingleToInt32Bits(value);
        return bits < 0 ? -(long)(bits & 0x7FFF_FFFF) : bits;
    }
}
