using ModelMerge.Compute;
using ModelMerge.Methods;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>merge-semantics §10.2: θ*_j = Σ λ_i(F_i,j + ε)θ_i,j / Σ λ_i(F_i,j + ε), the plain weighted average where that denominator is 0.</summary>
public sealed class FisherWeightedTests
{
    private const string Tensor = "model.layers.0.mlp.up_proj.weight";

    private static readonly float[]? NoBase = null;

    private static readonly float[] Theta1 = [1f, 2f, -1f, 1f];
    private static readonly float[] Theta2 = [3f, -2f, 1f, 4f];
    private static readonly float[] Fisher1 = [1f, 3f, 0f, 0f];
    private static readonly float[] Fisher2 = [1f, 1f, 2f, 0f];

    /// <summary>
    /// Worked by hand. Element 3 has no Fisher in either model, so with ε = 0 it is Σλθ/Σλ; element
    /// 2 has Fisher only in model 2, which takes it whole until the floor gives model 1 a share.
    /// </summary>
    public static TheoryData<double[], double, double[]> HandComputed => new()
    {
        { [1, 1], 0, [2, 1, 1, 2.5] },
        { [3, 1], 0, [1.5, 1.6, 1, 1.75] },
        { [1, 1], 0.5, [2, 0.8, 2.0 / 3, 2.5] },
        { [3, 1], 0.5, [1.5, 1.5, 0.25, 1.75] },
        // A zero weight drops model 2 even where only it has Fisher (element 2 falls back to model 1).
        { [1, 0], 0, [1, 2, -1, 1] },
    };

    [Theory]
    [MemberData(nameof(HandComputed))]
    public void Reproduces_hand_computed_averages_in_vector_lanes_and_the_scalar_tail(double[] weights, double epsilon, double[] expected)
    {
        // Five copies: twenty elements, two eight-lane vectors and a four-element tail.
        var output = TensorMergeRunner.Run(Merge(weights, epsilon), [20], NoBase,
            Repeat(Theta1), Repeat(Theta2), Repeat(Fisher1), Repeat(Fisher2));

        WorkedExample.AssertCloseRepeated(expected, output);
    }

    [Fact]
    public void Without_any_Fisher_and_without_a_floor_it_is_the_linear_merge_of_example_L1()
    {
        // §3.1 L1 with weights 2, 1, 1 (normalized): the fallback is exactly that weighted average.
        float[][] thetas = [[0.5f, -1.0f, 2.0f, 0.0f], [1.5f, 1.0f, -2.0f, 0.4f], [0.0f, 0.5f, 1.0f, -0.4f]];
        var zero = new float[20];

        var output = TensorMergeRunner.Run(Merge([2, 1, 1], 0), [20], NoBase, [.. thetas.Select(Repeat), zero, zero, zero]);

        WorkedExample.AssertCloseRepeated([0.625, -0.125, 0.75, 0.0], output);
    }

    [Theory]
    [InlineData(-0.25, 5)]
    [InlineData(-0.25, 18)]
    [InlineData(double.NaN, 5)]
    [InlineData(double.PositiveInfinity, 18)]
    [InlineData(double.NegativeInfinity, 9)]
    public void A_negative_NaN_or_infinite_Fisher_is_an_error_naming_the_tensor_the_model_and_the_element(double bad, int element)
    {
        var fisher2 = Repeat(Fisher2);
        fisher2[element] = (float)bad;

        var error = Assert.Throws<MergeException>(() =>
            TensorMergeRunner.Run(Merge([1, 1], FisherWeighted.DefaultEpsilon), [20], NoBase, Repeat(Theta1), Repeat(Theta2), Repeat(Fisher1), fisher2));

        Assert.Equal(FisherWeighted.InvalidFisher, error.ErrorId);
        Assert.Equal(Tensor, error.TensorName);
        Assert.Contains("the Fisher of model 2", error.Message);
        Assert.Contains($"element {element};", error.Message);
    }

    [Fact]
    public void A_negative_Fisher_deep_in_a_large_tensor_surfaces_as_the_merge_error_on_two_threads()
    {
        var theta = MethodChecks.Normal(70, MethodChecks.LargeLength, 0.02);
        var fisher = theta.Select(x => x * x).ToArray();
        fisher[150_001] = -1e-6f;

        var error = Assert.Throws<MergeException>(() =>
            TensorMergeRunner.Run(Merge([1, 1], 0), MethodChecks.Flat(theta.Length), new ChunkRunner(2), NoBase, theta, theta, fisher, fisher));

        Assert.Equal(FisherWeighted.InvalidFisher, error.ErrorId);
        Assert.Contains("element 150001", error.Message);
    }

    [Fact]
    public void Negative_zero_is_a_Fisher_of_zero()
    {
        var output = TensorMergeRunner.Run(Merge([1, 1], 0), [4], NoBase, Theta1, Theta2, [-0f, -0f, -0f, -0f], Fisher2);

        WorkedExample.AssertClose([3, -2, 1, 2.5], output);
    }

    [Theory]
    [InlineData(-0.5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Weights_must_be_finite_and_not_negative(double weight)
    {
        var error = Assert.Throws<MergeException>(() => Merge([1, weight], 0));

        Assert.Equal(FisherWeighted.InvalidWeight, error.ErrorId);
        Assert.Equal(Tensor, error.TensorName);
    }

    [Theory]
    [InlineData(-1e-8)]
    [InlineData(double.NaN)]
    public void The_floor_must_be_finite_and_not_negative(double epsilon)
    {
        var error = Assert.Throws<MergeException>(() => Merge([1, 1], epsilon));

        Assert.Equal(FisherWeighted.InvalidEpsilon, error.ErrorId);
    }

    [Fact]
    public void Weights_that_are_all_zero_are_refused_before_any_element_is_read()
    {
        var error = Assert.Throws<MergeException>(() => Merge([0, 0], FisherWeighted.DefaultEpsilon));

        Assert.Equal(FisherWeighted.WeightsSumToZero, error.ErrorId);
    }

    [Fact]
    public void A_fallback_over_weights_that_sum_to_less_than_the_floor_is_an_error_naming_the_element()
    {
        // Elements 0 and 1 average fine; element 2 (Fisher only in the unweighted model) needs Σλθ/Σλ with Σλ = 1e-9.
        var error = Assert.Throws<MergeException>(() =>
            TensorMergeRunner.Run(Merge([1e-9, 0], 0), [4], NoBase, Theta1, Theta2, Fisher1, Fisher2));

        Assert.Equal(FisherWeighted.WeightsSumToZero, error.ErrorId);
        Assert.Contains("element 2", error.Message);
    }

    [Theory]
    [InlineData(FisherWeighted.DefaultEpsilon)]
    [InlineData(0.0)]
    public void Large_random_merge_is_within_one_ulp_of_float64_with_the_same_bits_on_one_and_two_threads(double epsilon)
    {
        int n = MethodChecks.LargeLength;
        double[] weights = [1, 0.5, 2];
        var thetas = Enumerable.Range(0, 3).Select(i => MethodChecks.Normal(80 + i, n, 0.02)).ToArray();
        var fishers = Enumerable.Range(0, 3).Select(i => MethodChecks.Normal(90 + i, n, 1e-3).Select(g => g * g).ToArray()).ToArray();
        // Every 97th element has no Fisher in any model: with ε = 0 those take the fallback.
        for (int j = 0; j < n; j += 97)
            foreach (var fisher in fishers) fisher[j] = 0;

        var output = MethodChecks.SameBitsOnOneAndTwoThreads(Merge(weights, epsilon), MethodChecks.Flat(n), NoBase, [.. thetas, .. fishers]);

        MethodChecks.WithinOneUlp(Reference(thetas, fishers, weights, epsilon), output);
    }

    /// <summary>§10.2 element by element in float64, written out without the library's kernel.</summary>
    private static double[] Reference(float[][] thetas, float[][] fishers, double[] weights, double epsilon)
    {
        var expected = new double[thetas[0].Length];
        for (int j = 0; j < expected.Length; j++)
        {
            double numerator = 0, denominator = 0, plain = 0;
            for (int i = 0; i < thetas.Length; i++)
            {
                double weight = weights[i] * (fishers[i][j] + epsilon);
                numerator += weight * thetas[i][j];
                denominator += weight;
                plain += weights[i] * thetas[i][j];
            }
            expected[j] = denominator != 0 ? numerator / denominator : plain / weights.Sum();
        }
        return expected;
    }

    private static FisherWeighted Merge(double[] weights, double epsilon) =>
        FisherWeighted.Create(MethodChecks.Parameters(FisherWeighted.Method, weights.Length,
            new Dictionary<string, double> { ["epsilon"] = epsilon }, new Dictionary<string, double[]> { ["weight"] = weights }));

    private static float[] Repeat(float[] values) => Enumerable.Repeat(values, 5).SelectMany(v => v).ToArray();
}
