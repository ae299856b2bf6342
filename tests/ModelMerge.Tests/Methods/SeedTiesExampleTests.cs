using ModelMerge.Compute;
using ModelMerge.Methods;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>merge-semantics §6.1 and §6.2: the seeds' TIES walk-throughs (base 0, weights 1).</summary>
public sealed class SeedTiesExampleTests
{
    [Fact]
    public void Density_four_tenths_walk_through_keeps_two_values_per_adapter_and_merges_them_disjointly()
    {
        float[] a = [0.8f, -0.1f, 0.05f, -0.6f, 0.02f];
        float[] b = [0.1f, 0.5f, -0.4f, 0.2f, -0.03f];

        var (trimmed, merged) = Ties([a, b], density: 0.4);

        Assert.Equal([0.8f, 0, 0, -0.6f, 0], trimmed[0]);
        Assert.Equal([0, 0.5f, -0.4f, 0, 0], trimmed[1]);
        // Position 4: nobody survives, the tie elects +, and nothing agrees.
        WorkedExample.AssertClose([0.8, 0.5, -0.4, -0.6, 0.0], merged);
        WorkedExample.AssertClose([0.9, 0.4, -0.35, -0.4, -0.01], NaiveSum(a, b));
    }

    [Fact]
    public void Textbook_toy_keeps_three_of_six_per_vector_and_averages_the_agreeing_ones()
    {
        float[] t1 = [0.80f, -0.05f, 0.60f, -0.02f, 0.01f, 0.50f];
        float[] t2 = [0.70f, 0.04f, -0.55f, 0.03f, -0.02f, -0.40f];
        float[] t3 = [-0.10f, 0.90f, 0.05f, 0.85f, 0.02f, 0.45f];

        var (trimmed, merged) = Ties([t1, t2, t3], density: 0.5);

        Assert.Equal([0.80f, 0, 0.60f, 0, 0, 0.50f], trimmed[0]);
        Assert.Equal([0.70f, 0, -0.55f, 0, 0, -0.40f], trimmed[1]);
        Assert.Equal([0, 0.90f, 0, 0.85f, 0, 0.45f], trimmed[2]);
        WorkedExample.AssertClose([0.75, 0.9, 0.6, 0.85, 0.0, 0.475], merged);
        WorkedExample.AssertClose([1.4, 0.89, 0.1, 0.86, 0.01, 0.55], NaiveSum(t1, t2, t3));
    }

    private static (float[][] Trimmed, float[] Merged) Ties(float[][] taus, double density)
    {
        var trimmed = taus.Select(tau =>
        {
            var values = (float[])tau.Clone();
            var cut = MagnitudeTrim.Create(new ArraySource(values), density, Rescale.None, "adapter.weight", new ChunkRunner(1));
            Assert.NotNull(cut);
            cut.Apply(0, values);
            return values;
        }).ToArray();
        var merged = new float[taus[0].Length];
        SignConsensus.Combine(ChunkLayout.BackToBack(1, trimmed), Enumerable.Repeat(1.0, taus.Length).ToArray(), SignRule.Sum, normalize: true, 1.0, default, merged);
        return (trimmed, merged);
    }

    private static float[] NaiveSum(params float[][] taus)
    {
        var sum = new float[taus[0].Length];
        WeightedSum.Combine(ChunkLayout.BackToBack(1, taus), Enumerable.Repeat(1.0, taus.Length).ToArray(), 1.0, 1.0, default, sum);
        return sum;
    }
}
