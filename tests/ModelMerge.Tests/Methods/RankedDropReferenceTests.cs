using ModelMerge.Compute;
using ModelMerge.Methods;
using ModelMerge.Plans.Export;
using ModelMerge.Plans.Graph;
using ModelMerge.Plans.Handles;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>
/// Della's drop (§4.2 "della_magprune") against the reference: ranks from a full stable sort of
/// each row, probabilities from the formula, draws from CounterRandom's documented stream. Rows
/// of 700 straddle the 64 Ki grid chunks; a 3-D tensor ranks along axis 1.
/// </summary>
public sealed class RankedDropReferenceTests
{
    private const string Tensor = "model.layers.5.mlp.gate_proj.weight";
    private const ulong Seed = 20_260_614;
    private static readonly long[] Matrix = [300, 700];

    /// <summary>Twelve nonzero magnitudes, so every row ties heavily and a zero after the drop marks a dropped element.</summary>
    private static float[] Quantised(int seed, long length)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, (int)length).Select(_ => (random.Next(2) == 0 ? -1 : 1) * 0.0005f * random.Next(1, 13)).ToArray();
    }

    private static float[] Drop(float[] tau, long[] shape, double density, double epsilon, int model, Rescale rescale, int threads)
    {
        var runner = new ChunkRunner(threads);
        var drop = RankedDrop.Create(new ArraySource(tau), shape, density, epsilon, Seed, Tensor, model, rescale, runner);
        Assert.NotNull(drop);
        var dropped = (float[])tau.Clone();
        runner.ForEachChunk(dropped.Length, (_, start, count) => drop.Apply(start, dropped.AsSpan((int)start, count)));
        return dropped;
    }

    private static bool[] ReferenceKept(float[] tau, long[] shape, double density, double epsilon, int model)
    {
        var p = SparsifierReference.DellaProbabilities(tau, shape, density, epsilon);
        return p.Select((probability, j) => DocumentedCounterRandom.Keeps(Seed, Tensor, model, j, probability)).ToArray();
    }

    public static TheoryData<long[], double, double> Shapes => new()
    {
        { Matrix, 0.5, 0.15 },
        { Matrix, 0.3, 0.2 },
        { [4000, 40], 0.5, 0.2 },             // rows short enough for a comparison sort
        { [3, 200, 150], 0.4, 0.1 },          // axis 1 of a 3-D tensor: strided rows, slabs straddling chunks
        { [100_000], 0.6, 0.3 },              // a 1-D tensor is one row, across two chunks
        { [70_000, 1], 0.5, 0.15 },           // rows of one: p = d
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Kept_positions_are_the_reference_draws_and_the_same_on_one_thread_and_on_two(long[] shape, double density, double epsilon)
    {
        var tau = Quantised(41, shape.Aggregate(1L, (a, b) => a * b));

        var oneThread = Drop(tau, shape, density, epsilon, 2, Rescale.None, 1);
        var twoThreads = Drop(tau, shape, density, epsilon, 2, Rescale.None, 2);

        Assert.Equal(ReferenceKept(tau, shape, density, epsilon, 2), oneThread.Select(v => v != 0));
        Assert.Equal(oneThread, twoThreads);
    }

    [Fact]
    public void Plan_reads_the_same_bits_on_one_thread_and_on_two_and_rescales_like_the_reference()
    {
        var tau = Quantised(43, 300 * 700);
        var plan = new RankedDropPlan(new ArrayPlan(tau), Matrix, 0.45, 0.15, Seed, 1, Rescale.L1);

        var oneThread = PlanReader.ReadAll(plan, Tensor, new ChunkRunner(1));
        var twoThreads = PlanReader.ReadAll(plan, Tensor, new ChunkRunner(2));

        Assert.Equal(oneThread, twoThreads);
        var expected = SparsifierReference.L1Rescaled(tau, ReferenceKept(tau, Matrix, 0.45, 0.15, 1));
        for (int j = 0; j < tau.Length; j++)
            Assert.True(Math.Abs(oneThread[j] - expected[j]) <= 1e-6 * Math.Abs(expected[j]), $"element {j}: {oneThread[j]} vs {expected[j]}");
    }

    [Fact]
    public void Odd_slices_straddling_grid_chunks_drop_the_same_elements_as_whole_chunks()
    {
        var tau = Quantised(45, 300 * 700);
        var wholeChunks = Drop(tau, Matrix, 0.5, 0.15, 0, Rescale.L1, 2);
        var drop = RankedDrop.Create(new ArraySource(tau), Matrix, 0.5, 0.15, Seed, Tensor, 0, Rescale.L1, new ChunkRunner(2));
        Assert.NotNull(drop);

        var sliced = (float[])tau.Clone();
        for (int start = 0; start < sliced.Length; start += 12_347)
            drop.Apply(start, sliced.AsSpan(start, Math.Min(12_347, sliced.Length - start)));

        Assert.Equal(wholeChunks, sliced);
    }

    [Theory]
    [InlineData(0.2, 0.1)]
    [InlineData(0.5, 0.15)]
    [InlineData(0.8, 0.15)]
    public void Kept_fraction_is_the_density_and_rises_with_rank_as_the_probabilities_say(double density, double epsilon)
    {
        long[] shape = [1000, 1000];
        var random = new Random(47);
        var tau = Enumerable.Range(0, 1_000_000).Select(_ => (float)(random.NextDouble() - 0.5) + 1e-3f).ToArray();

        var kept = Drop(tau, shape, density, epsilon, 0, Rescale.None, 2).Select(v => v != 0).ToArray();

        // The probabilities average to d over every row, and the smallest tenth of each row is
        // kept near d − 0.9ε, the largest tenth near d + 0.9ε.
        var p = SparsifierReference.DellaProbabilities(tau, shape, density, epsilon);
        AssertWithinSigmas(kept.LongCount(k => k), p, 5);
        AssertWithinSigmas(kept.Where((_, j) => p[j] < density - 0.8 * epsilon).LongCount(k => k), p.Where(x => x < density - 0.8 * epsilon).ToArray(), 5);
        AssertWithinSigmas(kept.Where((_, j) => p[j] > density + 0.8 * epsilon).LongCount(k => k), p.Where(x => x > density + 0.8 * epsilon).ToArray(), 5);
        Assert.Equal(tau.Length * density, p.Sum(), 1e-6 * tau.Length);
    }

    [Fact]
    public void Density_one_returns_the_task_vector_unchanged_and_density_zero_drops_everything()
    {
        var tau = Quantised(53, 300 * 700);

        Assert.Null(RankedDrop.Create(new ArraySource(tau), Matrix, 1.0, 0.15, Seed, Tensor, 0, Rescale.L1, new ChunkRunner(1)));
        Assert.Equal(tau, PlanReader.ReadAll(new RankedDropPlan(new ArrayPlan(tau), Matrix, 1.0, 0.15, Seed, 0, Rescale.L1), Tensor, new ChunkRunner(2)));
        // d ≤ 0 returns zeros before ε is checked (0 − 0.15 would fail the check).
        Assert.All(PlanReader.ReadAll(new RankedDropPlan(new ArrayPlan(tau), Matrix, 0.0, 0.15, Seed, 0, Rescale.L1), Tensor, new ChunkRunner(2)),
            v => Assert.Equal(0f, v));
    }

    [Fact]
    public void A_zero_task_vector_stays_zero_under_the_L1_rescale()
    {
        var tau = new float[300 * 700];

        var dropped = PlanReader.ReadAll(new RankedDropPlan(new ArrayPlan(tau), Matrix, 0.5, 0.15, Seed, 0, Rescale.L1), Tensor, new ChunkRunner(2));

        Assert.All(dropped, v => Assert.Equal(0f, v));
    }

    [Theory]
    [InlineData(0.9, 0.15)]  // d + ε ≥ 1: della with d = 0.9 needs a smaller ε
    [InlineData(0.1, 0.15)]  // d − ε ≤ 0
    [InlineData(0.5, 0.5)]
    public void Epsilon_that_takes_a_probability_out_of_0_1_is_an_error_naming_the_tensor(double density, double epsilon)
    {
        var error = Assert.Throws<MergeException>(() =>
            RankedDrop.Create(new ArraySource(new float[700]), [700], density, epsilon, Seed, Tensor, 0, Rescale.L1, new ChunkRunner(1)));

        Assert.Equal(RankedDrop.EpsilonOutOfRange, error.ErrorId);
        Assert.Equal(Tensor, error.TensorName);
        Assert.Contains("epsilon", error.Message);
    }

    [Fact]
    public void Export_with_an_epsilon_out_of_range_fails_naming_the_tensor_and_leaves_no_folder()
    {
        using var family = new FamilyFCheckpoints();
        var merged = TaskArithmeticMerge.Build(TaskArithmeticMethod.Della, family.TaskVectors(), new TaskArithmeticOptions { Density = [0.9] });
        string target = family.NewTarget();

        var error = Assert.Throws<MergeException>(() => CheckpointExporter.Export(merged, target, new ExportOptions()));

        Assert.Equal(RankedDrop.EpsilonOutOfRange, error.ErrorId);
        Assert.Equal(FamilyFCheckpoints.Tensor, error.TensorName);
        Assert.False(Directory.Exists(target));
    }

    [Theory]
    [InlineData("della", 1)]
    [InlineData("della", 3)]
    [InlineData("della_linear", 1)]
    [InlineData("della_linear", 3)]
    public void Merge_of_stored_checkpoints_matches_the_reference_drawn_from_the_documented_stream(string method, int models)
    {
        // Family F's tensor "w" through the real plans: each model's mask from the documented
        // draw for (seed, "w", model index), the L1 rescale, then ties' or a plain weighted sum.
        using var family = new FamilyFCheckpoints();
        var vectors = family.TaskVectors(FamilyF.Weights.Take(models).ToArray());
        var task = TaskArithmeticMethod.Find(method)!;

        var merged = TaskArithmeticMerge.Build(task, vectors, new TaskArithmeticOptions { Density = [0.5], Epsilon = [0.3], Seed = Seed });
        var output = family.ExportAndRead(merged);

        var rescaled = FamilyF.Thetas.Take(models).Select((theta, i) =>
        {
            var tau = MergeReference.TaskVector(theta, FamilyF.Base);
            var p = SparsifierReference.DellaProbabilities(tau, [tau.Length], 0.5, 0.3);
            var kept = p.Select((probability, j) => DocumentedCounterRandom.Keeps(Seed, FamilyFCheckpoints.Tensor, i, j, probability)).ToArray();
            return SparsifierReference.L1Rescaled(tau, kept);
        }).ToList();
        var weights = FamilyF.Weights.Take(models).ToList();
        var delta = task.SignConsensus
            ? MergeReference.Consensus(rescaled, weights, SignRule.Sum, normalize: true, 1.0).Delta
            : MergeReference.WeightedSum(rescaled, weights, 1.0, 1.0);
        WorkedExample.AssertClose(MergeReference.Add(FamilyF.Base, delta), output);
        Assert.Contains("epsilon=0.3", merged.Description);
    }

    private static void AssertWithinSigmas(long count, double[] probabilities, double sigmas)
    {
        double mean = probabilities.Sum();
        double sigma = Math.Sqrt(probabilities.Sum(p => p * (1 - p)));
        Assert.True(Math.Abs(count - mean) <= sigmas * sigma, $"{count} kept of {probabilities.Length}: expected {mean:F1} ± {sigmas}·{sigma:F1}");
    }
}
