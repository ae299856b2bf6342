using ModelMerge.Compute;
using ModelMerge.Methods;
using ModelMerge.Methods.Framework;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>merge-semantics §5.1: model_stock's interpolation ratio from the offsets' mean pairwise cosine, per tensor or per row.</summary>
public sealed class ModelStockTests
{
    private static readonly float[] Ms1Base = [1f, 0f, 0.5f, -0.5f];
    private static readonly float[] Ms1A = [1.2f, 0.1f, 0.5f, -0.3f];
    private static readonly float[] Ms1B = [1.1f, -0.1f, 0.7f, -0.4f];
    private static readonly float[] Ms1C = [0.9f, 0.2f, 0.6f, -0.5f];

    private static readonly float[] Ms2Base = [1f, 0f, 0f, 1f];
    private static readonly float[] Ms2A = [1.2f, 0.1f, 0.1f, 0.8f];
    private static readonly float[] Ms2B = [1.1f, 0.2f, 0.2f, 0.7f];

    /// <summary>The method sees task vectors (ModelValues.TaskVectors): τ = θ − θ_b in float32, as the plan forms them.</summary>
    private static float[] Run(bool filterWise, long[] shape, float[] theta, params float[][] fineTunes) =>
        TensorMergeRunner.Run(new ModelStock(filterWise), shape, theta, fineTunes.Select(ft => MergeReference.TaskVector(ft, theta)).ToArray());

    [Fact]
    public void Two_models_reproduce_example_MS1()
    {
        var output = Run(false, [4], Ms1Base, Ms1A, Ms1B);

        WorkedExample.AssertClose([1.082288, 0.0, 0.554858, -0.417712], output);
    }

    [Fact]
    public void Three_models_reproduce_example_MS1_with_the_mean_of_three_pairwise_cosines()
    {
        var output = Run(false, [4], Ms1Base, Ms1A, Ms1B, Ms1C);

        WorkedExample.AssertClose([1.012976, 0.012976, 0.519464, -0.480536], output);
    }

    [Fact]
    public void Ratio_of_example_MS1_is_exposed_for_the_plan_to_report()
    {
        var inputs = new MergeInputs("w", [4], new ArraySource(Ms1Base),
            [new ArraySource(MergeReference.TaskVector(Ms1A, Ms1Base)), new ArraySource(MergeReference.TaskVector(Ms1B, Ms1Base))]);

        var blend = Assert.IsType<ModelStock.Blend>(new ModelStock(false).Prepare(inputs, new ChunkRunner(1)));

        Assert.Equal(0.548584, Assert.Single(blend.Ratios), 6);
    }

    [Theory]
    [InlineData(true, new[] { 1.133333, 0.133333, 0.149419, 0.750969 })]
    [InlineData(false, new[] { 1.141641, 0.141641, 0.141641, 0.763932 })]
    public void Two_by_two_reproduces_example_MS2(bool filterWise, double[] expected)
    {
        var output = Run(filterWise, [2, 2], Ms2Base, Ms2A, Ms2B);

        WorkedExample.AssertClose(expected, output);
    }

    [Fact]
    public void Filter_wise_ratios_of_example_MS2_are_one_per_row()
    {
        var inputs = new MergeInputs("w", [2, 2], new ArraySource(Ms2Base),
            [new ArraySource(MergeReference.TaskVector(Ms2A, Ms2Base)), new ArraySource(MergeReference.TaskVector(Ms2B, Ms2Base))]);

        var blend = Assert.IsType<ModelStock.Blend>(new ModelStock(true).Prepare(inputs, new ChunkRunner(1)));

        Assert.Equal(2, blend.Ratios.Count);
        Assert.Equal(0.888889, blend.Ratios[0], 6);
        Assert.Equal(0.996124, blend.Ratios[1], 6);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Zero_offsets_give_a_cosine_of_zero_and_the_base(bool filterWise)
    {
        // max(‖o_i‖·‖o_j‖, 1e-6) keeps 0/0 away: c = 0, t = 0.
        var output = Run(filterWise, [2, 2], Ms2Base, Ms2Base, Ms2Base, Ms2Base);

        Assert.Equal(Ms2Base, output);
    }

    [Fact]
    public void Only_the_base_gives_the_base()
    {
        var output = TensorMergeRunner.Run(new ModelStock(false), [4], Ms1Base);

        Assert.Equal(Ms1Base, output);
    }

    [Fact]
    public void One_model_besides_the_base_is_an_error()
    {
        var error = Assert.Throws<MergeException>(() => Run(false, [4], Ms1Base, Ms1A));

        Assert.Equal(ModelStock.TooFewModels, error.ErrorId);
    }

    [Fact]
    public void Opposite_offsets_make_t_infinite_and_are_an_error()
    {
        // N = 2, c = −1 exactly (‖o‖ = 1.25 has an exact square root): t = 2c / (1 + c) divides by zero (§11 deviation 6).
        float[] theta = [0f, 0f, 0f];
        var error = Assert.Throws<MergeException>(() =>
            TensorMergeRunner.Run(new ModelStock(false), [3], theta, [0.75f, -1f, 0f], [-0.75f, 1f, 0f]));

        Assert.Equal(ModelStock.RatioNotFinite, error.ErrorId);
    }

    [Fact]
    public void Ratio_outside_zero_to_one_extrapolates_unclamped()
    {
        // c = −0.5/(1·√0.5) = −0.707107, t = 2c / (1 + c) = −4.828427 (§11 decision 4: pass through).
        float[] theta = [1f, 2f];
        float[][] offsets = [[1f, 0f], [-0.5f, 0.5f]];
        double c = -0.5 / Math.Sqrt(0.5), t = 2 * c / (1 + c);

        var output = TensorMergeRunner.Run(new ModelStock(false), [2], theta, offsets);

        WorkedExample.AssertClose([1 + t * 0.25, 2 + t * 0.25], output);
        Assert.True(t < -4.8);
    }

    [Fact]
    public void Flattened_merge_of_large_random_tensors_is_within_one_ulp_of_the_float64_reference_on_any_thread_count()
    {
        var theta = MethodChecks.Normal(1, MethodChecks.LargeLength, 0.02);
        var offsets = ShiftedOffsets(2, MethodChecks.LargeLength, 3);

        var output = MethodChecks.SameBitsOnOneAndTwoThreads(new ModelStock(false), MethodChecks.Flat(MethodChecks.LargeLength), theta, offsets);

        MethodChecks.WithinOneUlp(Reference(theta, offsets, theta.Length), output);
    }

    [Fact]
    public void Filter_wise_merge_with_rows_straddling_chunks_is_within_one_ulp_of_the_float64_reference_on_any_thread_count()
    {
        int length = MethodChecks.Length(MethodChecks.RowMatrix);
        var theta = MethodChecks.Normal(3, length, 0.02);
        var offsets = ShiftedOffsets(4, length, 3);

        var output = MethodChecks.SameBitsOnOneAndTwoThreads(new ModelStock(true), MethodChecks.RowMatrix, theta, offsets);

        MethodChecks.WithinOneUlp(Reference(theta, offsets, (int)MethodChecks.RowMatrix[1]), output);
    }

    /// <summary>Offsets sharing a common direction plus their own noise, so the cosines are neither 0 nor 1.</summary>
    private static float[][] ShiftedOffsets(int seed, int length, int models)
    {
        var shared = MethodChecks.Normal(seed, length, 1e-3);
        return Enumerable.Range(0, models).Select(i =>
        {
            var own = MethodChecks.Normal(seed * 10 + i, length, 1e-3 * (i + 1));
            return shared.Select((s, j) => s + own[j]).ToArray();
        }).ToArray();
    }

    /// <summary>§5.1 in float64 with plain loops, on θ_i = θ_b + o_i, one vector per <paramref name="vectorLength"/> elements.</summary>
    private static double[] Reference(float[] theta, float[][] offsets, int vectorLength)
    {
        int n = offsets.Length;
        var result = new double[theta.Length];
        for (int start = 0; start < theta.Length; start += vectorLength)
        {
            double cosines = 0;
            for (int i = 0; i < n; i++)
                for (int k = i + 1; k < n; k++)
                {
                    double dot = 0, ni = 0, nk = 0;
                    for (int j = start; j < start + vectorLength; j++)
                    {
                        dot += (double)offsets[i][j] * offsets[k][j];
                        ni += (double)offsets[i][j] * offsets[i][j];
                        nk += (double)offsets[k][j] * offsets[k][j];
                    }
                    cosines += Math.Clamp(dot / Math.Max(Math.Sqrt(ni) * Math.Sqrt(nk), 1e-6), -1, 1);
                }
            double c = cosines / (n * (n - 1) / 2.0);
            double t = n * c / (1 + (n - 1) * c);
            for (int j = start; j < start + vectorLength; j++)
            {
                double mean = 0;
                for (int i = 0; i < n; i++) mean += (double)theta[j] + offsets[i][j];
                mean /= n;
                result[j] = t * mean + (1 - t) * theta[j];
            }
        }
        return result;
    }
}
