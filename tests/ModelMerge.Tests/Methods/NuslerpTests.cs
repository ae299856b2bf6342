using ModelMerge.Compute;
using ModelMerge.Methods;
using ModelMerge.Methods.Framework;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>nuslerp (merge-semantics §3.3): examples N1–N3, its edge cases, and a float64 reference in all three vector layouts.</summary>
public sealed class NuslerpTests
{
    private static readonly float[] First = [1, 0, 2, -1];
    private static readonly float[] Second = [0, 1, 1, 1];

    [Fact]
    public void Example_N1_weights_one_and_three_put_t_at_three_quarters()
    {
        WorkedExample.AssertClose([0.336564, 0.865667, 1.538796, 0.529103], Merge([1, 3], NuslerpVectors.Whole, null, First, Second));
    }

    [Fact]
    public void Example_N1_equal_weights_are_slerp_at_one_half()
    {
        WorkedExample.AssertClose([0.636104, 0.636104, 1.908312, 0.0], Merge([1, 1], NuslerpVectors.Whole, null, First, Second));
    }

    [Fact]
    public void Example_N2_interpolates_the_task_vectors_and_adds_the_base_back()
    {
        float[] baseValues = [0.5f, 0.5f, 1, 0];
        var a = MergeReference.TaskVector(First, baseValues);
        var b = MergeReference.TaskVector(Second, baseValues);
        Assert.Equal([0.5f, -0.5f, 1, -1], a);
        WorkedExample.AssertClose([0.5, 0.5, 2.489378, 0.0], Merge([1, 1], NuslerpVectors.Whole, baseValues, a, b));
    }

    [Theory]
    [InlineData(NuslerpVectors.Whole, new[] { 0.574220, 0.574220, 0.574220, 1.722660 })]
    [InlineData(NuslerpVectors.LastAxis, new[] { 0.707107, 0.707107, 0.541196, 1.623588 })]
    [InlineData(NuslerpVectors.FirstAxis, new[] { 0.707107, 0.541196, 0.707107, 1.623588 })]
    public void Example_N3_cuts_a_matrix_into_the_vectors_its_layout_says(NuslerpVectors layout, double[] expected)
    {
        WorkedExample.AssertClose(expected, Merge([1, 1], layout, null, [1, 0, 0, 2], [0, 1, 1, 1], shape: [2, 2]));
    }

    [Fact]
    public void Weights_that_cancel_give_the_midpoint()
    {
        Assert.Equal(0.5, Nuslerp.InterpolationFactor(2, -2));
        Assert.Equal(Merge([1, 1], NuslerpVectors.Whole, null, First, Second), Merge([2, -2], NuslerpVectors.Whole, null, First, Second));
    }

    [Fact]
    public void A_negative_weight_extrapolates_past_the_second_model()
    {
        Assert.Equal(1.5, Nuslerp.InterpolationFactor(-1, 3));
        var (a, b) = RandomPair(200_000);
        RoundedReference.AssertWithinOneUlp(Reference(a, b, null, [a.Length], -1, 3, NuslerpVectors.Whole), Merge([-1, 3], NuslerpVectors.Whole, null, a, b));
    }

    [Theory]
    [InlineData(NuslerpVectors.Whole)]
    [InlineData(NuslerpVectors.LastAxis)]
    [InlineData(NuslerpVectors.FirstAxis)]
    public void Exactly_opposite_vectors_fall_back_to_a_lerp(NuslerpVectors layout)
    {
        var a = RandomTensors.Gaussian(210_000, 3, 0.02);
        var b = a.Select(x => -x).ToArray();
        // t = 0.75: (1 − t)·a + t·(−a) = −a/2, exactly representable.
        Assert.Equal(a.Select(x => -x / 2).ToArray(), Merge([1, 3], layout, null, a, b, shape: [300, 700]));
    }

    [Fact]
    public void A_parallel_pair_is_a_lerp()
    {
        var a = RandomTensors.Gaussian(200_000, 4, 0.02);
        var b = a.Select(x => 2 * x).ToArray();
        RoundedReference.AssertWithinOneUlp(a.Select(x => 0.25 * x + 0.75 * 2 * x).ToArray(), Merge([1, 3], NuslerpVectors.Whole, null, a, b));
    }

    [Fact]
    public void A_zero_vector_is_at_a_right_angle_to_the_other()
    {
        var b = RandomTensors.Gaussian(200_000, 5, 0.02);
        var expected = b.Select(x => Math.Sin(0.75 * Math.PI / 2) * x).ToArray();
        RoundedReference.AssertWithinOneUlp(expected, Merge([1, 3], NuslerpVectors.Whole, null, new float[b.Length], b));
    }

    [Fact]
    public void Zero_rows_give_zero_rows()
    {
        var a = RandomTensors.Gaussian(12, 6);
        var b = RandomTensors.Gaussian(12, 7);
        Array.Clear(a, 4, 4);
        Array.Clear(b, 4, 4);
        var merged = Merge([1, 1], NuslerpVectors.LastAxis, null, a, b, shape: [3, 4]);
        Assert.All(merged[4..8], x => Assert.Equal(0f, x));
    }

    [Theory]
    [InlineData(NuslerpVectors.Whole, false, new long[] { 200_000 })]
    [InlineData(NuslerpVectors.Whole, true, new long[] { 200_000 })]
    [InlineData(NuslerpVectors.LastAxis, false, new long[] { 300, 700 })]
    [InlineData(NuslerpVectors.LastAxis, true, new long[] { 300, 700 })]
    [InlineData(NuslerpVectors.LastAxis, false, new long[] { 7, 50, 300 })]
    [InlineData(NuslerpVectors.FirstAxis, false, new long[] { 300, 700 })]
    [InlineData(NuslerpVectors.FirstAxis, true, new long[] { 300, 700 })]
    [InlineData(NuslerpVectors.FirstAxis, false, new long[] { 7, 50, 300 })]
    // More first-axis vectors than a chunk has elements, so each chunk touches only some of them.
    // Three elements, not two: random 2-vectors come within 1e-5 rad of opposite, where the arc
    // weights magnify any rounding of the cosine by 1/sin²Ω and no two float64 roundings agree.
    [InlineData(NuslerpVectors.FirstAxis, false, new long[] { 3, 70_000 })]
    [InlineData(NuslerpVectors.LastAxis, false, new long[] { 200_000 })]
    [InlineData(NuslerpVectors.FirstAxis, false, new long[] { 200_000 })]
    public void Larger_than_a_chunk_matches_the_float64_reference_within_one_ulp(NuslerpVectors layout, bool withBase, long[] shape)
    {
        int length = (int)shape.Aggregate(1L, (x, y) => x * y);
        var (a, b) = RandomPair(length);
        var baseValues = withBase ? RandomTensors.Gaussian(length, 9, 0.05) : null;
        RoundedReference.AssertWithinOneUlp(Reference(a, b, baseValues, shape, 0.4, 0.6, layout),
            Merge([0.4, 0.6], layout, baseValues, a, b, shape: shape));
    }

    [Theory]
    [InlineData(NuslerpVectors.Whole)]
    [InlineData(NuslerpVectors.LastAxis)]
    [InlineData(NuslerpVectors.FirstAxis)]
    public void Gives_the_same_bits_on_one_and_two_threads(NuslerpVectors layout)
    {
        var (a, b) = RandomPair(210_000);
        var baseValues = RandomTensors.Gaussian(a.Length, 10, 0.05);
        RoundedReference.AssertSameBitsOnOneAndTwoThreads(runner => Merge([1, 2], layout, baseValues, a, b, runner, [300, 700]));
    }

    [Fact]
    public void A_weight_that_is_not_a_number_is_refused()
    {
        var error = Assert.Throws<MergeException>(() => Create([1, double.NaN], NuslerpVectors.Whole, [4]));
        Assert.Equal("InvalidWeight", error.ErrorId);
    }

    /// <summary>§3.3 in float64 over the whole arrays: each vector's elements found by its index rule, normalized, then combined.</summary>
    private static double[] Reference(float[] a, float[] b, float[]? baseValues, long[] shape, double w0, double w1, NuslerpVectors layout)
    {
        double t = Math.Abs(w0 + w1) < 1e-6 ? 0.5 : w1 / (w0 + w1);
        long length = a.Length;
        Func<long, long> vectorOf = layout switch
        {
            NuslerpVectors.Whole => _ => 0,
            NuslerpVectors.LastAxis => p => p / shape[^1],
            _ => p => p % (length / shape[0]),
        };
        var members = Enumerable.Range(0, a.Length).GroupBy(p => vectorOf(p));
        var result = new double[a.Length];
        foreach (var vector in members)
        {
            var indices = vector.ToArray();
            double na = Math.Max(Math.Sqrt(indices.Sum(p => (double)a[p] * a[p])), 1e-7);
            double nb = Math.Max(Math.Sqrt(indices.Sum(p => (double)b[p] * b[p])), 1e-7);
            double c = Math.Clamp(indices.Sum(p => a[p] / na * (b[p] / nb)), -1, 1);
            double omega = Math.Acos(c);
            foreach (int p in indices)
            {
                result[p] = Math.Abs(Math.Sin(omega)) < 1e-8
                    ? (1 - t) * a[p] + t * b[p]
                    : (Math.Sin((1 - t) * omega) * a[p] + Math.Sin(t * omega) * b[p]) / Math.Sin(omega);
                if (baseValues is not null) result[p] += baseValues[p];
            }
        }
        return result;
    }

    /// <summary>Two task vectors at about 60° with different norms.</summary>
    private static (float[] A, float[] B) RandomPair(int length)
    {
        var shared = RandomTensors.Gaussian(length, 1, 0.01);
        return (RandomTensors.Correlated(shared, 1, 2, 0.01), RandomTensors.Correlated(shared, 2, 3, 0.015));
    }

    private static ITensorMerge Create(double[] weights, NuslerpVectors layout, long[] shape) =>
        ResolvedParameters.Create(Nuslerp.Method, shape, models: 2, weights, new Dictionary<string, double>
        {
            ["nuslerp_flatten"] = layout == NuslerpVectors.Whole ? 1 : 0,
            ["nuslerp_row_wise"] = layout == NuslerpVectors.FirstAxis ? 1 : 0,
        });

    private static float[] Merge(double[] weights, NuslerpVectors layout, float[]? baseValues, float[] a, float[] b,
        ChunkRunner? runner = null, long[]? shape = null)
    {
        shape ??= [a.Length];
        return TensorMergeRunner.Run(Create(weights, layout, shape), shape, runner ?? new ChunkRunner(0), baseValues, a, b);
    }
}
