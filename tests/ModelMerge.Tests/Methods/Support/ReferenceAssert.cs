namespace ModelMerge.Tests.Methods.Support;

/// <summary>Element-by-element comparison of a library output with a float64 reference.</summary>
internal static class ReferenceAssert
{
    /// <summary>
    /// Each stored bf16 within one ulp of the reference rounded to bf16: the library rounds a
    /// float32 result once more, which may land on the neighbour, never further.
    /// </summary>
    /// <param name="alternative">Where not NaN, a second acceptable reference (a vote within float32 rounding of zero).</param>
    /// <param name="float32Error">
    /// Where given, the float32 error the element may carry before it is rounded to bf16. Only
    /// where terms cancel almost exactly (|θ_b + Δ| ≪ |θ_b|) does it exceed a bf16 ulp; there the
    /// element may be off by it instead.
    /// </param>
    public static void BFloat16WithinOneUlp(string tensor, ushort[] actual, double[] expected, double[]? alternative = null, double[]? float32Error = null)
    {
        Assert.Equal(expected.Length, actual.Length);
        int failures = 0, worst = -1, worstDistance = 0;
        for (int j = 0; j < actual.Length; j++)
        {
            int distance = FloatUlps.BFloat16Distance(actual[j], FloatUlps.BFloat16Nearest(expected[j]));
            if (distance > 1 && alternative is not null && !double.IsNaN(alternative[j]))
                distance = Math.Min(distance, FloatUlps.BFloat16Distance(actual[j], FloatUlps.BFloat16Nearest(alternative[j])));
            bool withinFloat32Error = float32Error is not null
                && Math.Abs(FloatUlps.BFloat16ToSingle(actual[j]) - expected[j]) <= float32Error[j] + BFloat16UlpOf(expected[j]);
            if (distance <= 1 || withinFloat32Error) continue;
            failures++;
            if (distance > worstDistance) (worst, worstDistance) = (j, distance);
        }
        Assert.True(failures == 0,
            $"{tensor}: {failures} of {actual.Length} elements are more than one bf16 ulp from the reference; worst is element {worst}, " +
            $"{worstDistance} ulps: {(worst < 0 ? 0 : FloatUlps.BFloat16ToSingle(actual[worst]))} vs {(worst < 0 ? 0 : expected[worst])}");
    }

    /// <summary>
    /// Each float32 within <paramref name="maxUlps"/> of the exact value: |actual − expected| measured
    /// in ulps of the float32 at |expected| (the error itself, not a distance between two roundings).
    /// </summary>
    public static void SingleWithinUlps(string tensor, float[] actual, double[] expected, double maxUlps, double[]? alternative = null) =>
        SingleWithinTermUlps(tensor, actual, expected, new double[expected.Length], maxUlps, alternative);

    /// <summary>
    /// Each float32 within <paramref name="maxUlps"/> ulps of the float64 reference, counted in
    /// ulps of <paramref name="termScale"/>: the magnitude of the largest terms that were added to
    /// make the element (|θ_b| and the summed |w·τ|). A float32 sum carries rounding errors of that
    /// size, so where the terms cancel (θ_b ≈ −Δ) the result is tiny but its error is not.
    /// </summary>
    public static void SingleWithinTermUlps(string tensor, float[] actual, double[] expected, double[] termScale, double maxUlps, double[]? alternative = null)
    {
        Assert.Equal(expected.Length, actual.Length);
        int failures = 0, worst = -1;
        double worstUlps = 0;
        for (int j = 0; j < actual.Length; j++)
        {
            double unit = Math.Max(UlpOf(expected[j]), UlpOf(termScale[j]));
            double ulps = Math.Abs(actual[j] - expected[j]) / unit;
            if (ulps > maxUlps && alternative is not null && !double.IsNaN(alternative[j]))
                ulps = Math.Min(ulps, Math.Abs(actual[j] - alternative[j]) / Math.Max(UlpOf(alternative[j]), unit));
            if (ulps > maxUlps) failures++;
            if (ulps > worstUlps) (worst, worstUlps) = (j, ulps);
        }
        Assert.True(failures == 0,
            $"{tensor}: {failures} of {actual.Length} elements are more than {maxUlps} float32 ulps (of their terms' scale) from the reference; " +
            $"worst is element {worst}, {worstUlps:F3} ulps: {(worst < 0 ? 0 : actual[worst])} vs {(worst < 0 ? 0 : expected[worst])}");
    }

    /// <summary>The float32 error budget <paramref name="ulps"/> ulps of each element's term scale allows.</summary>
    public static double[] Float32Error(double[] termScale, double ulps) => termScale.Select(s => ulps * UlpOf(s)).ToArray();

    private static double BFloat16UlpOf(double x)
    {
        ushort bits = (ushort)(FloatUlps.BFloat16Nearest(Math.Abs(x)) & 0x7FFF);
        return FloatUlps.BFloat16ToSingle((ushort)(bits + 1)) - FloatUlps.BFloat16ToSingle(bits);
    }

    /// <summary>The gap between the float32 nearest to |x| and the next float32 up.</summary>
    private static double UlpOf(double x)
    {
        float f = (float)Math.Abs(x);
        return (double)MathF.BitIncrement(f) - f;
    }
}
