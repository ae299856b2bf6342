using ModelMerge.Methods;

namespace ModelMerge.Tests.Methods;

/// <summary>
/// The sign-consensus kernel against a one-element-at-a-time float64 reference written from
/// the rule itself, for every model count the kernel specialises and one it does not. Lengths
/// that are not a multiple of any vector width send elements through every lane width and the
/// scalar tail, so each must give the reference's bits exactly.
/// </summary>
public sealed class SignConsensusLanesTests
{
    public static TheoryData<int, SignRule, bool, bool> Cases()
    {
        var cases = new TheoryData<int, SignRule, bool, bool>();
        foreach (int models in new[] { 1, 2, 3, 4, 6 })
            foreach (var rule in new[] { SignRule.Sum, SignRule.Count })
                foreach (bool normalize in new[] { true, false })
                    foreach (bool withBase in new[] { true, false })
                        cases.Add(models, rule, normalize, withBase);
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_lane_width_gives_the_reference_bits(int models, SignRule rule, bool normalize, bool withBase)
    {
        // Negative and non-dyadic weights: the divisor is then a sum of unequal weights, and may be negative.
        double[] weights = Enumerable.Range(0, models).Select(i => i == 1 ? -0.35 : 0.3 + 0.45 * i).ToArray();
        AssertReferenceBits(weights, rule, normalize, withBase);
    }

    /// <summary>Weights whose every agreeing sum is a power of two, where the kernel multiplies by the divisor's exact reciprocal.</summary>
    [Theory]
    [InlineData(new[] { 0.5 })]
    [InlineData(new[] { 1.0, 1.0 })]
    [InlineData(new[] { 0.5, 0.5 })]
    [InlineData(new[] { 2.0, -1.0 })]
    [InlineData(new[] { 1.0, 1.0, 1.0 })]
    public void Dyadic_divisors_give_the_reference_bits(double[] weights)
    {
        foreach (var rule in new[] { SignRule.Sum, SignRule.Count })
            foreach (bool withBase in new[] { true, false })
                AssertReferenceBits(weights, rule, normalize: true, withBase);
    }

    private static void AssertReferenceBits(double[] weights, SignRule rule, bool normalize, bool withBase)
    {
        int models = weights.Length;
        const int n = 1000 + 13;
        var random = new Random(models * 31 + (int)rule * 7 + (normalize ? 3 : 0) + (withBase ? 1 : 0));
        var deltas = new float[models * n];
        for (int k = 0; k < deltas.Length; k++) deltas[k] = Sample(random);
        var baseValues = withBase ? Enumerable.Range(0, n).Select(_ => Sample(random)).ToArray() : [];
        const double lambda = 0.85;
        var output = new float[n];

        SignConsensus.Combine(deltas, weights, rule, normalize, lambda, baseValues, output);

        for (int j = 0; j < n; j++)
        {
            float expected = Reference(deltas, n, j, weights, rule, normalize, lambda, withBase ? baseValues[j] : null);
            Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(output[j]),
                $"element {j}: expected {expected:R}, got {output[j]:R}");
        }
    }

    /// <summary>Mostly ordinary deltas, with exact zeros, negative zeros, ties in sign and a NaN now and then.</summary>
    private static float Sample(Random random) => random.Next(40) switch
    {
        0 or 1 or 2 or 3 => 0f,
        4 => -0f,
        5 => float.NaN,
        6 => 1e-3f,
        7 => -1e-3f,
        8 => 3e-39f,
        _ => (float)((random.NextDouble() - 0.5) * 0.02),
    };

    private static float Reference(float[] deltas, int n, int j, double[] weights, SignRule rule, bool normalize, double lambda, float? baseValue)
    {
        var u = new double[weights.Length];
        double vote = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            u[i] = deltas[i * n + j] * weights[i];
            vote += rule == SignRule.Sum ? u[i] : u[i] > 0 ? 1 : u[i] < 0 ? -1 : 0;
        }
        bool positive = vote >= 0;
        double sum = 0, divisor = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            if (!(positive ? u[i] > 0 : u[i] < 0)) continue;
            sum += u[i];
            divisor += weights[i];
        }
        if (normalize) sum /= divisor == 0 ? 1 : divisor;
        double merged = sum * lambda;
        return (float)(baseValue is float b ? b + merged : merged);
    }
}
