namespace ModelMerge.Tests.Gpu;

/// <summary>
/// Task vectors built to stress a top-k cut: a third of the elements share four magnitudes
/// (±0.25 … ±1.0, larger than the rest), so the 10% and 20% cuts fall inside a crowd of equal
/// magnitudes spread over every grid chunk; a fifth are zeros, a quarter of those −0, so a
/// high enough density cuts at zero; the rest are small random values with a few subnormals
/// and large magnitudes among them.
/// </summary>
internal static class TiesInputs
{
    private static readonly float[] Crowded = [0.25f, 0.5f, 0.75f, 1.0f];

    /// <param name="huge">Include magnitudes up to 1e30 (they swamp an L1 sum, making every rescale factor round to 1).</param>
    /// <param name="nonFinite">Also sprinkle NaN and ±∞ (for the mask alone: NaN payloads after arithmetic differ between devices).</param>
    public static float[] TaskVector(int length, int seed, bool huge = true, bool nonFinite = false)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int j = 0; j < length; j++)
        {
            double pick = random.NextDouble();
            float sign = random.Next(2) == 0 ? 1f : -1f;
            values[j] = pick switch
            {
                < 0.33 => sign * Crowded[random.Next(Crowded.Length)],
                < 0.48 => 0f,
                < 0.53 => -0f,
                < 0.54 => sign * float.Epsilon * random.Next(1, 100),
                < 0.545 when huge => sign * (float)(1e30 * random.NextDouble()),
                _ => sign * (float)(0.2 * random.NextDouble()),
            };
        }
        if (nonFinite)
        {
            for (int j = 0; j < length / 1000; j++)
            {
                int at = random.Next(length);
                values[at] = (j % 3) switch { 0 => float.NaN, 1 => float.PositiveInfinity, _ => float.NegativeInfinity };
            }
        }
        return values;
    }

    public static uint[] Bits(float[] values) => values.Select(BitConverter.SingleToUInt32Bits).ToArray();
}
