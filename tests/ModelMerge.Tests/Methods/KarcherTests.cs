using ModelMerge.Compute;
using ModelMerge.Methods;
using ModelMerge.Methods.Framework;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>karcher (merge-semantics §3.5): examples K1–K3, the base as one more input, its refusals, and a float64 reference iteration.</summary>
public sealed class KarcherTests
{
    private const int Large = 200_000;

    [Fact]
    public void Example_K1_two_orthogonal_inputs_meet_halfway_at_once()
    {
        WorkedExample.AssertClose([1.060660, 1.060660], Merge(null, [1, 0], [0, 2]));
    }

    [Fact]
    public void Example_K2_converges_to_the_geodesic_mean()
    {
        WorkedExample.AssertClose([1.163767, 0.482048, 0.760464], Merge(null, [1, 0, 0], [1, 1, 0], [0, 0, 2]));
    }

    [Fact]
    public void Example_K2_without_iterations_is_the_chord_mean_multislerp_gives()
    {
        WorkedExample.AssertClose([1.195545, 0.495211, 0.700334], Merge(null, maxIterations: 0, [1, 0, 0], [1, 1, 0], [0, 0, 2]));
    }

    [Fact]
    public void Example_K3_a_zero_input_has_no_direction_but_counts_in_the_scale()
    {
        WorkedExample.AssertClose([1, 0, 0], Merge(null, [2, 0, 0], [0, 0, 0]));
    }

    [Fact]
    public void The_base_is_one_more_input_weighted_like_the_others()
    {
        WorkedExample.AssertClose([1.163767, 0.482048, 0.760464], Merge([0, 0, 2], [1, 0, 0], [1, 1, 0]));
    }

    [Fact]
    public void One_input_is_returned_as_it_is()
    {
        var model = RandomTensors.Gaussian(Large, 1, 0.02);
        Assert.Equal(model, Merge(null, model));
    }

    [Fact]
    public void Zero_inputs_give_zeros()
    {
        Assert.All(Merge(null, new float[5], new float[5]), x => Assert.Equal(0f, x));
    }

    [Fact]
    public void Opposite_inputs_are_refused()
    {
        var error = Assert.Throws<MergeException>(() => Merge(null, [1, 0], [-1, 0]));
        Assert.Equal("AntipodalInputs", error.ErrorId);
    }

    [Fact]
    public void Parallel_inputs_keep_their_direction_at_the_mean_norm()
    {
        var model = RandomTensors.Gaussian(Large, 2, 0.02);
        var doubled = model.Select(x => 2 * x).ToArray();
        RoundedReference.AssertWithinOneUlp(model.Select(x => 1.5 * x).ToArray(), Merge(null, model, doubled));
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(2.5)]
    [InlineData(Karcher.IterationLimit + 1.0)]
    [InlineData(2147483647.0)]
    public void A_max_iter_that_is_not_a_whole_number_at_least_zero_is_refused(double maxIterations)
    {
        var error = Assert.Throws<MergeException>(() => Create(maxIterations, 1e-5));
        Assert.Equal("InvalidIterationCount", error.ErrorId);
    }

    [Fact]
    public void A_stop_ends_the_iteration_instead_of_running_it_out()
    {
        var karcher = (IGramCombination)Create(Karcher.IterationLimit, 0);
        // Three directions at 60° and a fourth off their plane: the iteration has work to do at tol 0.
        double[] gram = [1, 0.5, 0.5, 0.1, 1, 0.5, 0.2, 1, 0.3, 1];
        using var stop = new CancellationTokenSource();
        stop.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => karcher.Coefficients(3, hasBase: true, gram, stop.Token));
    }

    [Theory]
    [InlineData(-1e-5)]
    [InlineData(double.NaN)]
    public void A_negative_tol_is_refused(double tolerance)
    {
        var error = Assert.Throws<MergeException>(() => Create(10, tolerance));
        Assert.Equal("InvalidTolerance", error.ErrorId);
    }

    [Theory]
    [InlineData(false, 10, 1e-5)]
    [InlineData(true, 10, 1e-5)]
    [InlineData(false, 3, 1e-5)]
    [InlineData(false, 50, 1e-12)]
    public void Larger_than_a_chunk_matches_the_float64_reference_within_one_ulp(bool withBase, int maxIterations, double tolerance)
    {
        var (baseValues, models) = RandomInputs();
        if (!withBase) baseValues = null;
        var inputs = baseValues is null ? models : [.. models, baseValues];
        var (expected, iterations) = Reference(inputs, maxIterations, tolerance);
        Assert.True(iterations > 1, $"the reference stopped after {iterations} iterations; the inputs should make it work");
        RoundedReference.AssertWithinOneUlp(expected, Merge(baseValues, maxIterations, tolerance, models));
    }

    [Fact]
    public void Gives_the_same_bits_on_one_and_two_threads()
    {
        var (baseValues, models) = RandomInputs();
        RoundedReference.AssertSameBitsOnOneAndTwoThreads(runner =>
            TensorMergeRunner.Run(Create(10, 1e-5), [Large], runner, baseValues, models));
    }

    /// <summary>§3.5 in float64 over the whole arrays, the iterate kept as a tensor; also how many passes it made.</summary>
    private static (double[] Result, int Iterations) Reference(float[][] inputs, int maxIterations, double tolerance)
    {
        int n = inputs.Length, length = inputs[0].Length;
        var norms = inputs.Select(x => Math.Sqrt(x.Sum(v => (double)v * v))).ToArray();
        var units = inputs.Select((x, i) => x.Select(v => norms[i] == 0 ? 0 : v / norms[i]).ToArray()).ToArray();
        var valid = Enumerable.Range(0, n).Where(i => norms[i] > tolerance).ToArray();
        double weight = 1.0 / valid.Length;
        var u = new double[length];
        foreach (int i in valid)
            for (int j = 0; j < length; j++) u[j] += weight * units[i][j];
        double norm = Norm(u);
        u = norm < tolerance ? [.. units[valid[0]]] : u.Select(v => v / norm).ToArray();
        int iterations = 0;
        while (iterations < maxIterations)
        {
            iterations++;
            var tangent = new double[length];
            foreach (int i in valid)
            {
                double c = Math.Clamp(Dot(u, units[i]), -1, 1), phi = Math.Acos(c);
                if (phi < tolerance) continue;
                for (int j = 0; j < length; j++) tangent[j] += weight * phi / Math.Sin(phi) * (units[i][j] - c * u[j]);
            }
            double step = Norm(tangent);
            if (step < tolerance) break;
            for (int j = 0; j < length; j++) u[j] = Math.Cos(step) * u[j] + Math.Sin(step) * tangent[j] / step;
            norm = Norm(u);
            if (norm > tolerance) u = u.Select(v => v / norm).ToArray();
        }
        double scale = norms.Sum() / n;
        return (u.Select(v => scale * v).ToArray(), iterations);
    }

    private static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int j = 0; j < a.Length; j++) sum += a[j] * b[j];
        return sum;
    }

    private static double Norm(double[] a) => Math.Sqrt(Dot(a, a));

    /// <summary>A base and three fine-tunes at uneven angles and norms, so the geodesic mean is not the chord mean.</summary>
    private static (float[] Base, float[][] Models) RandomInputs()
    {
        var shared = RandomTensors.Gaussian(Large, 200, 0.01);
        var models = new[]
        {
            RandomTensors.Correlated(shared, 1, 201, 0.002),
            RandomTensors.Correlated(shared, 0.5, 202, 0.02),
            RandomTensors.Correlated(shared, -0.2, 203, 0.03),
        };
        return (RandomTensors.Correlated(shared, 2, 204, 0.005), models);
    }

    private static ITensorMerge Create(double maxIterations, double tolerance) =>
        ResolvedParameters.Create(Karcher.Method, [Large], models: 3,
            globals: new Dictionary<string, double> { ["max_iter"] = maxIterations, ["tol"] = tolerance });

    private static float[] Merge(float[]? baseValues, params float[][] models) => Merge(baseValues, 10, 1e-5, models);

    private static float[] Merge(float[]? baseValues, int maxIterations, params float[][] models) =>
        Merge(baseValues, maxIterations, 1e-5, models);

    private static float[] Merge(float[]? baseValues, int maxIterations, double tolerance, params float[][] models) =>
        TensorMergeRunner.Run(Create(maxIterations, tolerance), [models[0].Length], baseValues, models);
}
