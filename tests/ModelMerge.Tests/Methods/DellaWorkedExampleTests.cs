using ModelMerge.Compute;
using ModelMerge.Methods;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>
/// merge-semantics §4.6, examples D1 (one row) and D2 (family F, models 1 and 2, weights 1 and
/// 0.5), d = 0.5, ε = 0.1, with the Bernoulli draws replaced by the masks the section states, so
/// the probabilities, the L1 rescale and the combine are checked exactly.
/// </summary>
public sealed class DellaWorkedExampleTests
{
    private static readonly double[] D2Weights = [1.0, 0.5];

    private static readonly float[] D2Rescaled1 = [0.273333f, 0, 0, 0.205f, -0.341667f, 0];
    private static readonly float[] D2Rescaled2 = [0, 0.25f, -0.2f, 0, 0.15f, 0];

    /// <summary>Runs della's drop on one row with the mask injected; returns the result and the probability each element was drawn with.</summary>
    private static (float[] Result, double[] Probability) Drop(float[] tau, bool[] mask, double density = 0.5, double epsilon = 0.1)
    {
        var probability = new double[tau.Length];
        var drop = RankedDrop.Create(new ArraySource(tau), [tau.Length], density, epsilon, "w", Rescale.L1, new ChunkRunner(1), (element, p) =>
        {
            probability[element] = p;
            return mask[element];
        });
        Assert.NotNull(drop);
        var result = (float[])tau.Clone();
        drop.Apply(0, result);
        return (result, probability);
    }

    private static bool[] Mask(params int[] bits) => bits.Select(b => b == 1).ToArray();

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int j = 0; j < actual.Length; j++)
            Assert.True(Math.Abs(expected[j] - actual[j]) <= WorkedExample.Tolerance, $"element {j}: expected {expected[j]}, got {actual[j]}");
    }

    [Fact]
    public void D1_ranks_the_row_draws_with_the_listed_probabilities_and_rescales_to_the_L1_norm()
    {
        float[] tau = [0.05f, -0.7f, 0.3f, -0.02f, 0.12f, -0.45f];

        var (result, probability) = Drop(tau, Mask(0, 1, 1, 0, 0, 1));

        // Ascending ranks [2, 6, 4, 1, 3, 5] → r̂ = [0.2, 1, 0.6, 0, 0.4, 0.8].
        AssertClose([0.44, 0.60, 0.52, 0.40, 0.48, 0.56], probability);
        // Kept L1 1.45 of 1.64: factor 1.131034.
        WorkedExample.AssertClose([0, -0.791724, 0.339310, 0, 0, -0.508966], result);
    }

    [Fact]
    public void D2_draws_family_F_with_the_listed_probabilities_and_rescales_each_model()
    {
        var (first, p1) = Drop(FamilyF.Tau1, Mask(1, 0, 0, 1, 1, 0));
        var (second, p2) = Drop(FamilyF.Tau2, Mask(0, 1, 1, 0, 1, 0));

        AssertClose([0.56, 0.48, 0.44, 0.52, 0.60, 0.40], p1);
        AssertClose([0.48, 0.60, 0.56, 0.44, 0.52, 0.40], p2);
        WorkedExample.AssertClose(D2Rescaled1.Select(v => (double)v).ToArray(), first);
        WorkedExample.AssertClose(D2Rescaled2.Select(v => (double)v).ToArray(), second);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(21)]
    public void D2_della_averages_the_survivors_that_agree_with_the_weighted_vote(int copies)
    {
        var (first, _) = Drop(FamilyF.Tau1, Mask(1, 0, 0, 1, 1, 0));
        var (second, _) = Drop(FamilyF.Tau2, Mask(0, 1, 1, 0, 1, 0));
        var delta = new float[6 * copies];

        // della: sum consensus, normalize on (like ties).
        SignConsensus.Combine(ChunkLayout.BackToBack(copies, first, second), D2Weights, SignRule.Sum, normalize: true, 1.0, default, delta);

        WorkedExample.AssertCloseRepeated([0.673333, -0.05, -0.1, 0.405, 0.558333, -0.5], FamilyF.AddToBase(delta));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(21)]
    public void D2_della_linear_sums_the_weighted_survivors(int copies)
    {
        var (first, _) = Drop(FamilyF.Tau1, Mask(1, 0, 0, 1, 1, 0));
        var (second, _) = Drop(FamilyF.Tau2, Mask(0, 1, 1, 0, 1, 0));
        var delta = new float[6 * copies];

        // della_linear: no consensus, normalize off.
        WeightedSum.Combine(ChunkLayout.BackToBack(copies, first, second), D2Weights, 1.0, 1.0, default, delta);

        WorkedExample.AssertCloseRepeated([0.673333, -0.175, 0.0, 0.405, 0.633333, -0.5], FamilyF.AddToBase(delta));
    }
}
