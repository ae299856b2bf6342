using ModelMerge.Compute;
using ModelMerge.Methods;
using ModelMerge.Plans;
using ModelMerge.Plans.Export;
using ModelMerge.Plans.Graph;
using ModelMerge.Plans.Handles;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>
/// Breadcrumbs' selection (two top-k boundaries, no sort) against a full stable sort on tensors
/// of several grid chunks whose magnitudes tie by the thousand at both edges of the band, and its
/// edge cases (§4.2 "magnitude_outliers").
/// </summary>
public sealed class OutlierTrimReferenceTests
{
    private const string Tensor = "model.layers.2.self_attn.o_proj.weight";

    /// <summary>Eight magnitudes of either sign: some 25 000 elements share each one, so every boundary cuts through a run of ties.</summary>
    private static float[] Quantised(int seed, int length)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (random.Next(2) == 0 ? -1 : 1) * 0.001f * random.Next(1, 9)).ToArray();
    }

    /// <summary>Continuous magnitudes with 2% of the elements on the median, so a large tensor's cut lands inside a run of ties.</summary>
    private static float[] MostlyDistinct(int seed, int length)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length)
            .Select(_ => random.NextDouble() < 0.02 ? 0.001f : (float)((random.NextDouble() - 0.5) * 0.004)).ToArray();
    }

    private static float[] Trim(float[] tau, double density, double gamma, int threads, bool mergekitQuirks = false)
    {
        var runner = new ChunkRunner(threads);
        var trimmed = (float[])tau.Clone();
        var trim = OutlierTrim.Create(new ArraySource(tau), density, gamma, Rescale.None, Tensor, runner, mergekitQuirks);
        Assert.NotNull(trim);
        runner.ForEachChunk(trimmed.Length, (chunk, start, count) => trim.Apply(chunk, trimmed.AsSpan((int)start, count)));
        return trimmed;
    }

    public static TheoryData<double, double> Settings => new()
    {
        { 0.5, 0.01 },   // the default γ
        { 0.3, 0.0 },    // top = 0: only the small ones go
        { 0.9, 0.2 },    // bot < 0: top shrinks to n − keep
        { 0.5, 0.5 },    // bot = 0 exactly
        { 0.02, 0.37 },  // a narrow band in the middle
        { 0.999, 0.01 }, // top shrinks to a few hundred
    };

    [Theory]
    [MemberData(nameof(Settings))]
    public void Kept_positions_match_a_stable_sort_on_one_thread_and_on_two(double density, double gamma)
    {
        var tau = Quantised(17, 200_000);
        var expected = SparsifierReference.BreadcrumbsKept(tau, density, gamma);

        var oneThread = Trim(tau, density, gamma, 1);
        var twoThreads = Trim(tau, density, gamma, 2);

        Assert.Equal(expected, oneThread.Select(v => v != 0));
        Assert.Equal((long)Math.Floor(density * tau.Length), oneThread.LongCount(v => v != 0));
        Assert.Equal(oneThread, twoThreads);
    }

    [Theory]
    [InlineData(0.5, 0.01)]
    [InlineData(0.2, 0.05)]
    public void Kept_positions_match_a_stable_sort_on_a_tensor_of_many_chunks(double density, double gamma)
    {
        // Thirty-four chunks: enough for the sampled one-pass search to be tried first.
        var tau = MostlyDistinct(23, 34 * ChunkGrid.ChunkElements + 11);

        var trimmed = Trim(tau, density, gamma, 2);

        Assert.Equal(SparsifierReference.BreadcrumbsKept(tau, density, gamma), trimmed.Select(v => v != 0));
    }

    [Fact]
    public void Mergekits_quirk_zeroes_a_large_tensor_only_when_top_is_zero()
    {
        var tau = Quantised(19, 200_000);

        Assert.All(Trim(tau, 0.3, 0.0, 2, mergekitQuirks: true), v => Assert.Equal(0f, v));
        Assert.Equal(Trim(tau, 0.3, 0.01, 2), Trim(tau, 0.3, 0.01, 2, mergekitQuirks: true));
    }

    [Fact]
    public void Plan_reads_the_same_bits_on_one_thread_and_on_two_and_the_L1_rescale_restores_the_norm()
    {
        var tau = Quantised(29, 3 * ChunkGrid.ChunkElements + 7);
        var plan = new OutlierTrimPlan(new ArrayPlan(tau), 0.4, 0.05, Rescale.L1);

        var oneThread = PlanReader.ReadAll(plan, Tensor, new ChunkRunner(1));
        var twoThreads = PlanReader.ReadAll(plan, Tensor, new ChunkRunner(2));

        Assert.Equal(oneThread, twoThreads);
        var expected = SparsifierReference.L1Rescaled(tau, SparsifierReference.BreadcrumbsKept(tau, 0.4, 0.05));
        for (int j = 0; j < tau.Length; j++)
            Assert.True(Math.Abs(oneThread[j] - expected[j]) <= 1e-6 * Math.Abs(expected[j]), $"element {j}: {oneThread[j]} vs {expected[j]}");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.05)]
    public void A_density_that_keeps_nothing_is_an_error_naming_the_tensor(double density)
    {
        // floor(0.05·10) = 0, like ties' trim.
        var error = Assert.Throws<MergeException>(() =>
            OutlierTrim.Create(new ArraySource(new float[10]), density, 0.01, Rescale.None, Tensor, new ChunkRunner(1)));

        Assert.Equal(MagnitudeTrim.DensityTooSmall, error.ErrorId);
        Assert.Equal(Tensor, error.TensorName);
    }

    [Fact]
    public void A_negative_gamma_is_an_error_naming_the_tensor()
    {
        var error = Assert.Throws<MergeException>(() =>
            OutlierTrim.Create(new ArraySource(new float[10]), 0.5, -0.1, Rescale.None, Tensor, new ChunkRunner(1)));

        Assert.Equal(OutlierTrim.GammaOutOfRange, error.ErrorId);
        Assert.Contains(Tensor, error.Message);
    }

    [Fact]
    public void Density_one_trims_nothing()
    {
        var tau = Quantised(31, 1000);

        Assert.Null(OutlierTrim.Create(new ArraySource(tau), 1.0, 0.01, Rescale.L1, Tensor, new ChunkRunner(1)));
        Assert.Equal(tau, PlanReader.ReadAll(new OutlierTrimPlan(new ArrayPlan(tau), 1.0, 0.5, Rescale.L1), Tensor, new ChunkRunner(1)));
    }

    [Fact]
    public void A_zero_task_vector_stays_zero_under_the_L1_rescale()
    {
        var tau = new float[2 * ChunkGrid.ChunkElements + 3];

        var trimmed = PlanReader.ReadAll(new OutlierTrimPlan(new ArrayPlan(tau), 0.5, 0.01, Rescale.L1), Tensor, new ChunkRunner(2));

        Assert.All(trimmed, v => Assert.Equal(0f, v));
    }

    [Theory]
    [InlineData("breadcrumbs")]
    [InlineData("breadcrumbs_ties")]
    public void A_merge_of_one_model_is_the_base_plus_its_kept_task_vector(string method)
    {
        // With one model the vote always agrees and nothing is normalized: out = θ_b + w·τ'.
        using var family = new FamilyFCheckpoints();
        var vectors = family.TaskVectors(0.5);

        var output = family.ExportAndRead(TaskArithmeticMerge.Build(TaskArithmeticMethod.Find(method)!, vectors,
            new TaskArithmeticOptions { Density = [0.5], Gamma = [0.2] }));

        var tau = MergeReference.TaskVector(FamilyF.Theta1, FamilyF.Base);
        var kept = SparsifierReference.BreadcrumbsKept(tau, 0.5, 0.2);
        WorkedExample.AssertClose(FamilyF.Base.Select((b, j) => b + (kept[j] ? 0.5 * tau[j] : 0)).ToArray(), output);
    }

    [Fact]
    public void Gamma_with_neither_one_value_nor_one_per_task_vector_is_refused()
    {
        using var family = new FamilyFCheckpoints();

        var error = Assert.Throws<PlanException>(() => TaskArithmeticMerge.Build(TaskArithmeticMethod.Breadcrumbs, family.TaskVectors(),
            new TaskArithmeticOptions { Density = [0.5], Gamma = [0.1, 0.2] }));

        Assert.Equal("ParameterCountMismatch", error.ErrorId);
    }

    [Fact]
    public void Export_with_a_density_that_keeps_nothing_fails_naming_the_tensor_and_leaves_no_folder()
    {
        using var family = new FamilyFCheckpoints();
        var merged = TaskArithmeticMerge.Build(TaskArithmeticMethod.Breadcrumbs, family.TaskVectors(), new TaskArithmeticOptions { Density = [0.1] });
        string target = family.NewTarget();

        var error = Assert.Throws<MergeException>(() => CheckpointExporter.Export(merged, target, new ExportOptions()));

        Assert.Equal(FamilyFCheckpoints.Tensor, error.TensorName);
        Assert.False(Directory.Exists(target));
    }
}
