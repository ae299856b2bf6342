using ModelMerge.Compute;
using ModelMerge.Methods;
using ModelMerge.Methods.Framework;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>multislerp (merge-semantics §3.4): examples M1–M4, its refusals, and mergekit's algorithm in float64 as the reference.</summary>
public sealed class MultislerpTests
{
    private const int Large = 200_000;

    [Fact]
    public void Example_M1_three_orthogonal_axes_meet_on_the_diagonal_at_the_mean_length()
    {
        WorkedExample.AssertClose([1.154701, 1.154701, 1.154701], Merge([1, 1, 1], null, [1, 0, 0], [0, 2, 0], [0, 0, 3]));
    }

    [Fact]
    public void Example_M2_the_direction_is_the_chord_mean_of_the_unit_vectors()
    {
        WorkedExample.AssertClose([0.553399, 1.660196], Merge([1, 3], null, [1, 0], [0, 2]));
    }

    [Fact]
    public void Example_M3_merges_task_vectors_and_adds_the_base_back()
    {
        float[] baseValues = [0.5f, 0, 1];
        var taus = new[] { new float[] { 1.5f, 0, 1 }, [0.5f, 1, 1] }.Select(m => MergeReference.TaskVector(m, baseValues)).ToArray();
        WorkedExample.AssertClose([1.207107, 0.707107, 1.0], Merge([1, 1], baseValues, taus));
    }

    [Fact]
    public void Example_M4_two_opposite_directions_fall_back_to_their_weighted_sum()
    {
        WorkedExample.AssertClose([0, 0], Merge([1, 1], null, [1, 0], [-1, 0]));
    }

    [Fact]
    public void Example_M4_with_a_third_zero_input_is_refused()
    {
        var error = Assert.Throws<MergeException>(() => Merge([1, 1, 1], null, [1, 0], [-1, 0], [0, 0]));
        Assert.Equal("WeightedDirectionsCancel", error.ErrorId);
    }

    [Fact]
    public void One_model_is_returned_as_it_is()
    {
        var model = RandomTensors.Gaussian(Large, 1, 0.02);
        Assert.Equal(model, Merge([0.3], null, model));
    }

    [Fact]
    public void One_task_vector_gives_back_its_model()
    {
        var baseValues = RandomTensors.Gaussian(Large, 1, 0.02);
        var tau = MergeReference.TaskVector(RandomTensors.Correlated(baseValues, 1, 2, 0.001), baseValues);
        RoundedReference.AssertWithinOneUlp(baseValues.Select((x, j) => (double)x + tau[j]).ToArray(), Merge([2], baseValues, tau));
    }

    [Fact]
    public void Weights_that_sum_to_zero_are_refused_when_normalizing()
    {
        var error = Assert.Throws<MergeException>(() => Create([1, -1], normalize: true));
        Assert.Equal("WeightsSumToZero", error.ErrorId);
        Assert.Contains("sum", error.Message);
    }

    [Fact]
    public void Weights_that_sum_to_zero_are_used_as_they_are_without_normalizing()
    {
        var models = RandomModels(3);
        RoundedReference.AssertWithinOneUlp(Reference([1, -1], null, models[..2], false, 1e-8), Merge([1, -1], null, false, models[..2]));
    }

    [Fact]
    public void A_negative_eps_is_refused()
    {
        var error = Assert.Throws<MergeException>(() => Create([1, 1], eps: -1e-8));
        Assert.Equal("InvalidEpsilon", error.ErrorId);
    }

    [Fact]
    public void A_zero_input_without_eps_is_refused_rather_than_made_NaN()
    {
        var error = Assert.Throws<MergeException>(() => Merge([1, 1], null, true, 0, [1, 0], [0, 0]));
        Assert.Equal("UndefinedDirection", error.ErrorId);
    }

    [Fact]
    public void A_zero_input_adds_no_direction_but_shrinks_the_length()
    {
        var models = RandomModels(2).Append(new float[Large]).ToArray();
        double[] weights = [1, 2, 1];
        RoundedReference.AssertWithinOneUlp(Reference(weights, null, models, true, 1e-8), Merge(weights, null, models));
    }

    [Theory]
    [InlineData(false, true, new[] { 1.0, 1.0, 1.0 })]
    [InlineData(true, true, new[] { 0.5, 0.3, 0.2 })]
    [InlineData(false, true, new[] { 1.5, -0.5, 0.25 })]
    [InlineData(true, false, new[] { 1.5, -0.5, 0.25 })]
    [InlineData(false, false, new[] { 0.7, 0.6 })]
    public void Larger_than_a_chunk_matches_the_float64_reference_within_one_ulp(bool withBase, bool normalize, double[] weights)
    {
        var models = RandomModels(weights.Length);
        var baseValues = withBase ? RandomTensors.Gaussian(Large, 9, 0.05) : null;
        RoundedReference.AssertWithinOneUlp(Reference(weights, baseValues, models, normalize, 1e-8), Merge(weights, baseValues, normalize, models));
    }

    [Fact]
    public void Gives_the_same_bits_on_one_and_two_threads()
    {
        var models = RandomModels(3);
        var baseValues = RandomTensors.Gaussian(Large, 9, 0.05);
        RoundedReference.AssertSameBitsOnOneAndTwoThreads(runner =>
            TensorMergeRunner.Run(Create([0.5, 0.3, 0.2]), [Large], runner, baseValues, models));
    }

    /// <summary>
    /// §3.4 steps 2–7 as mergekit computes them, in float64 over the whole arrays, tangent step
    /// included: the library's closed form must agree with it.
    /// </summary>
    private static double[] Reference(double[] weights, float[]? baseValues, float[][] models, bool normalize, double eps)
    {
        int n = models.Length, length = models[0].Length;
        var w = normalize ? weights.Select(x => x / weights.Sum()).ToArray() : weights;
        var norms = models.Select(x => Math.Sqrt(x.Sum(v => (double)v * v))).ToArray();
        var units = models.Select((x, i) => x.Select(v => v / (norms[i] + eps)).ToArray()).ToArray();
        var mean = new double[length];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < length; j++) mean[j] += w[i] * units[i][j];
        double meanNorm = Math.Sqrt(mean.Sum(v => v * v));
        var m = mean.Select(v => v / meanNorm).ToArray();
        var tangent = new double[length];
        for (int i = 0; i < n; i++)
        {
            double along = 0;
            for (int j = 0; j < length; j++) along += units[i][j] * m[j];
            for (int j = 0; j < length; j++) tangent[j] += w[i] * (units[i][j] - along * m[j]);
        }
        double tangentNorm = Math.Sqrt(tangent.Sum(v => v * v)) + eps;
        double scale = w.Select((x, i) => x * norms[i]).Sum();
        return m.Select((v, j) => scale * (v * Math.Cos(tangentNorm) + tangent[j] * Math.Sin(tangentNorm) / tangentNorm)
            + (baseValues is null ? 0 : baseValues[j])).ToArray();
    }

    /// <summary>Task vectors sharing a direction, with different norms.</summary>
    private static float[][] RandomModels(int count)
    {
        var shared = RandomTensors.Gaussian(Large, 100, 0.01);
        return Enumerable.Range(0, count).Select(i => RandomTensors.Correlated(shared, 1 + 0.5 * i, 101 + i, 0.01 * (1 + i))).ToArray();
    }

    private static ITensorMerge Create(double[] weights, bool normalize = true, double eps = 1e-8) =>
        ResolvedParameters.Create(Multislerp.Method, [Large], weights.Length, weights,
            new Dictionary<string, double> { ["normalize_weights"] = normalize ? 1 : 0, ["eps"] = eps });

    private static float[] Merge(double[] weights, float[]? baseValues, params float[][] models) =>
        Merge(weights, baseValues, true, models);

    private static float[] Merge(double[] weights, float[]? baseValues, bool normalize, params float[][] models) =>
        Merge(weights, baseValues, normalize, 1e-8, models);

    private static float[] Merge(double[] weights, float[]? baseValues, bool normalize, double eps, params float[][] models) =>
        TensorMergeRunner.Run(Create(weights, normalize, eps), [models[0].Length], baseValues, models);
}
