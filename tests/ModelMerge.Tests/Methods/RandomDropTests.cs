using ModelMerge.Compute;
using ModelMerge.Methods;
using ModelMerge.Plans.Graph;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>DARE's random drop (merge-semantics §4.2 "random" and §4.4): masks, kept fraction and rescaling.</summary>
public sealed class RandomDropTests
{
    private const string Tensor = "model.layers.3.mlp.down_proj.weight";
    private const int Length = 3 * ChunkGrid.ChunkElements + 5;

    /// <summary>A task vector with no zero, so a zero after the drop marks a dropped element.</summary>
    private static float[] TaskVector(int seed, int length = Length)
    {
        var random = new Random(seed);
        var tau = new float[length];
        for (int j = 0; j < length; j++)
        {
            float v = (float)((random.NextDouble() - 0.5) * 0.004);
            tau[j] = v != 0 ? v : 1e-4f;
        }
        return tau;
    }

    private static float[] Drop(float[] tau, double density, ulong seed, string tensor, int model, Rescale rescale, ChunkRunner runner)
    {
        var dropped = (float[])tau.Clone();
        var drop = RandomDrop.Create(new ArraySource(tau), density, seed, tensor, model, rescale, runner);
        Assert.NotNull(drop);
        runner.ForEachChunk(dropped.Length, (_, start, count) => drop.Apply(start, dropped.AsSpan((int)start, count)));
        return dropped;
    }

    private static bool[] Mask(float[] dropped) => dropped.Select(v => v != 0).ToArray();

    /// <summary>Without a rescale pass each read draws its elements; after the L1 pass it applies the bits that pass drew.</summary>
    [Theory]
    [InlineData(Rescale.None)]
    [InlineData(Rescale.L1)]
    [InlineData(Rescale.Inverse)]
    public void Mask_is_the_documented_counter_based_draw_for_every_element(Rescale rescale)
    {
        var tau = TaskVector(1);

        var kept = Mask(Drop(tau, 0.3, 42, Tensor, 2, rescale, new ChunkRunner(2)));

        var expected = Enumerable.Range(0, Length).Select(j => DocumentedCounterRandom.Keeps(42, Tensor, 2, j, 0.3));
        Assert.Equal(expected, kept);
    }

    [Fact]
    public void Same_seed_gives_the_same_result_whatever_the_parallelism_or_the_slicing()
    {
        var tau = TaskVector(2);
        var oneThread = Drop(tau, 0.4, 9, Tensor, 0, Rescale.L1, new ChunkRunner(1));
        var twoThreads = Drop(tau, 0.4, 9, Tensor, 0, Rescale.L1, new ChunkRunner(2));

        // Odd slices that straddle grid chunks must draw the same elements as whole chunks.
        var sliced = (float[])tau.Clone();
        var drop = RandomDrop.Create(new ArraySource(tau), 0.4, 9, Tensor, 0, Rescale.L1, new ChunkRunner(2));
        Assert.NotNull(drop);
        for (int start = 0; start < sliced.Length; start += 12_345)
            drop.Apply(start, sliced.AsSpan(start, Math.Min(12_345, sliced.Length - start)));

        Assert.Equal(oneThread, twoThreads);
        Assert.Equal(oneThread, sliced);
    }

    [Fact]
    public void Plan_reads_the_same_bits_on_one_thread_and_on_two()
    {
        var tau = TaskVector(3);
        var plan = new RandomDropPlan(new ArrayPlan(tau), 0.25, 5, 1, Rescale.L1);

        Assert.Equal(PlanReader.ReadAll(plan, Tensor, new ChunkRunner(1)), PlanReader.ReadAll(plan, Tensor, new ChunkRunner(2)));
    }

    [Theory]
    [InlineData(7ul, Tensor, 1)]
    [InlineData(7ul, "model.layers.3.mlp.up_proj.weight", 0)]
    [InlineData(8ul, Tensor, 0)]
    public void Another_model_index_tensor_or_seed_draws_an_independent_mask(ulong seed, string tensor, int model)
    {
        const double density = 0.5;
        var tau = TaskVector(4);
        var reference = Mask(Drop(tau, density, 7, Tensor, 0, Rescale.None, new ChunkRunner(2)));

        var other = Mask(Drop(tau, density, seed, tensor, model, Rescale.None, new ChunkRunner(2)));

        // Independent Bernoulli(d) masks agree with probability d² + (1 − d)²; identical ones always.
        long agree = Enumerable.Range(0, Length).Count(j => reference[j] == other[j]);
        double p = density * density + (1 - density) * (1 - density);
        AssertWithinSigmas(agree, Length, p, 5);
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.3)]
    [InlineData(0.9)]
    public void Kept_fraction_is_the_density_within_five_sigma_on_a_million_elements(double density)
    {
        var tau = TaskVector(5, 1_000_000);

        long kept = Mask(Drop(tau, density, 123, Tensor, 0, Rescale.None, new ChunkRunner(2))).LongCount(k => k);

        AssertWithinSigmas(kept, tau.Length, density, 5);
    }

    [Theory]
    [InlineData(0.1, 1)]
    [InlineData(0.5, 7)]
    [InlineData(0.9, Length)]
    [InlineData(0.02, 1000)]
    public void L1_rescale_restores_the_sum_of_magnitudes_whenever_something_survives(double density, int length)
    {
        var tau = TaskVector(6, length);
        double before = tau.Sum(v => Math.Abs((double)v));
        int survived = 0;

        for (ulong seed = 0; seed < 30; seed++)
        {
            var dropped = Drop(tau, density, seed, Tensor, 0, Rescale.L1, new ChunkRunner(2));
            double after = dropped.Sum(v => Math.Abs((double)v));
            if (after == 0) continue;
            survived++;
            Assert.True(Math.Abs(after - before) <= 1e-6 * before, $"seed {seed}: Σ|τ̃| = {after}, Σ|τ| = {before}");
        }
        Assert.True(survived > 0, "no seed left a survivor, so nothing was checked");
    }

    [Fact]
    public void L1_rescale_leaves_survivors_unscaled_when_the_norms_are_below_mergekits_guard()
    {
        // a = Σ|τ| < 1e-7: mergekit returns τ·mask unscaled rather than amplify noise.
        var tau = Enumerable.Repeat(1e-12f, 1000).ToArray();

        var dropped = Drop(tau, 0.5, 3, Tensor, 0, Rescale.L1, new ChunkRunner(1));

        Assert.All(dropped, v => Assert.True(v == 0 || v == 1e-12f));
        Assert.Contains(1e-12f, dropped);
    }

    [Theory]
    [InlineData(0.25)]
    [InlineData(0.5)]
    public void Inverse_rescale_multiplies_each_survivor_by_one_over_density(double density)
    {
        var tau = TaskVector(7);

        var dropped = Drop(tau, density, 11, Tensor, 0, Rescale.Inverse, new ChunkRunner(2));

        // 1/d is a power of two here, so every survivor is exactly τ/d.
        for (int j = 0; j < tau.Length; j++)
            Assert.True(dropped[j] == 0 || dropped[j] == (float)(tau[j] / density), $"element {j}: {dropped[j]} from {tau[j]}");
        Assert.Contains(dropped, v => v != 0);
    }

    [Fact]
    public void Inverse_rescale_with_a_density_whose_inverse_is_inexact_stays_within_a_float_rounding()
    {
        var tau = TaskVector(8);

        var dropped = Drop(tau, 0.3, 11, Tensor, 0, Rescale.Inverse, new ChunkRunner(2));

        for (int j = 0; j < tau.Length; j++)
            if (dropped[j] != 0)
                Assert.True(Math.Abs(dropped[j] - tau[j] / 0.3) <= 2.5e-7 * Math.Abs(tau[j] / 0.3), $"element {j}: {dropped[j]} from {tau[j]}");
    }

    [Fact]
    public void Density_one_returns_the_task_vector_unchanged()
    {
        var tau = TaskVector(9, 1000);

        Assert.Null(RandomDrop.Create(new ArraySource(tau), 1.0, 1, Tensor, 0, Rescale.L1, new ChunkRunner(1)));
        Assert.Equal(tau, PlanReader.ReadAll(new RandomDropPlan(new ArrayPlan(tau), 1.0, 1, 0, Rescale.L1), Tensor, new ChunkRunner(1)));
    }

    [Theory]
    [InlineData(Rescale.L1)]
    [InlineData(Rescale.Inverse)]
    [InlineData(Rescale.None)]
    public void Density_zero_drops_everything(Rescale rescale)
    {
        var tau = TaskVector(10);

        var dropped = Drop(tau, 0.0, 1, Tensor, 0, rescale, new ChunkRunner(2));

        Assert.All(dropped, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Negative_density_is_refused_naming_the_tensor()
    {
        var error = Assert.Throws<MergeException>(() =>
            RandomDrop.Create(new ArraySource([1f]), -0.1, 1, Tensor, 0, Rescale.L1, new ChunkRunner(1)));

        Assert.Equal(Tensor, error.TensorName);
    }

    private static void AssertWithinSigmas(long count, long trials, double p, double sigmas)
    {
        double mean = trials * p;
        double sigma = Math.Sqrt(trials * p * (1 - p));
        Assert.True(Math.Abs(count - mean) <= sigmas * sigma, $"{count} of {trials}: expected {mean} ± {sigmas}·{sigma:F1}");
    }
}
