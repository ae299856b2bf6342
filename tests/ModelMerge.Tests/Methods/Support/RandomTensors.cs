namespace ModelMerge.Tests.Methods.Support;

/// <summary>Deterministic random float32 tensors for the float64 reference tests.</summary>
internal static class RandomTensors
{
    /// <summary>Normally distributed values (Box–Muller) of the given scale.</summary>
    public static float[] Gaussian(int length, int seed, double scale = 1)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int j = 0; j < length; j++)
        {
            double u = 1 - random.NextDouble(), v = random.NextDouble();
            values[j] = (float)(scale * Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v));
        }
        return values;
    }

    /// <summary>
    /// a·shared + b·own, rounded to float32: tensors that share a direction, so the angles between
    /// them are neither right angles nor zero (as between fine-tunes of one base).
    /// </summary>
    public static float[] Correlated(float[] shared, double sharedScale, int seed, double ownScale)
    {
        var own = Gaussian(shared.Length, seed);
        return shared.Select((x, j) => (float)(sharedScale * x + ownScale * own[j])).ToArray();
    }
}
