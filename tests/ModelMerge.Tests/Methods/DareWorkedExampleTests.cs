using ModelMerge.Methods;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>
/// merge-semantics §4.4, example F-DARE: models 1 and 2 of family F, weights (0.6, 0.4), with
/// the masks injected, so only the combine step after the random drop is under test.
/// </summary>
public sealed class DareWorkedExampleTests
{
    private static readonly double[] Weights = [0.6, 0.4];

    /// <summary>τ̃ after the drop and the L1 rescale, as the section lists them.</summary>
    private static readonly float[] Rescaled1 = [0.339310f, 0, 0.042414f, 0, -0.424138f, 0.014138f];
    private static readonly float[] Rescaled2 = [0, 0.3f, -0.24f, -0.06f, 0, 0];

    /// <summary>The same survivors without rescaling (rescale = false).</summary>
    private static readonly float[] Masked1 = [0.24f, 0, 0.03f, 0, -0.30f, 0.01f];
    private static readonly float[] Masked2 = [0, 0.20f, -0.16f, -0.04f, 0, 0];

    [Theory]
    [InlineData(1)]
    [InlineData(21)]
    public void Dare_linear_sums_the_weighted_rescaled_survivors(int copies)
    {
        var delta = new float[6 * copies];

        // dare_linear's defaults: no consensus, normalize off.
        WeightedSum.Combine(ChunkLayout.BackToBack(copies, Rescaled1, Rescaled2), Weights, 1.0, 1.0, default, delta);

        WorkedExample.AssertCloseRepeated([0.603586, -0.18, 0.029448, 0.176, 0.645517, -0.491517], FamilyF.AddToBase(delta));
    }

    [Fact]
    public void Dare_linear_without_rescale_sums_the_bare_survivors()
    {
        var delta = new float[6];

        WeightedSum.Combine(ChunkLayout.BackToBack(1, Masked1, Masked2), Weights, 1.0, 1.0, default, delta);

        WorkedExample.AssertClose([0.544, -0.22, 0.054, 0.184, 0.72, -0.494], FamilyF.AddToBase(delta));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(21)]
    public void Dare_ties_sums_the_survivors_that_agree_with_the_weighted_vote(int copies)
    {
        var delta = new float[6 * copies];

        // Element 2: 0.6·0.042414 − 0.4·0.24 < 0 elects −, dropping model 1's positive survivor.
        SignConsensus.Combine(ChunkLayout.BackToBack(copies, Rescaled1, Rescaled2), Weights, SignRule.Sum, normalize: false, 1.0, default, delta);

        WorkedExample.AssertCloseRepeated([0.603586, -0.18, 0.004, 0.176, 0.645517, -0.491517], FamilyF.AddToBase(delta));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(21)]
    public void Normalized_dare_ties_averages_the_agreeing_survivors(int copies)
    {
        var delta = new float[6 * copies];

        SignConsensus.Combine(ChunkLayout.BackToBack(copies, Rescaled1, Rescaled2), Weights, SignRule.Sum, normalize: true, 1.0, default, delta);

        WorkedExample.AssertCloseRepeated([0.73931, 0.0, -0.14, 0.14, 0.475862, -0.485862], FamilyF.AddToBase(delta));
    }
}
