using ModelMerge.Compute;
using ModelMerge.Methods;
using ModelMerge.Methods.Framework;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>slerp (merge-semantics §3.2): the worked examples S1 and S2, its edge cases, and a float64 reference.</summary>
public sealed class SlerpTests
{
    private const int Large = 200_000;

    [Theory]
    [InlineData(0.0, new[] { 1.0, 0.0, 2.0, -1.0 })]
    [InlineData(0.25, new[] { 0.865667, 0.336564, 2.067898, -0.529103 })]
    [InlineData(0.5, new[] { 0.636104, 0.636104, 1.908312, 0.0 })]
    [InlineData(1.0, new[] { 0.0, 1.0, 1.0, 1.0 })]
    public void Example_S1_interpolates_along_the_arc_from_the_base(double t, double[] expected)
    {
        WorkedExample.AssertClose(expected, Merge(t, [1, 0, 2, -1], [0, 1, 1, 1]));
    }

    [Fact]
    public void Example_S2_nearly_parallel_inputs_fall_back_to_a_lerp()
    {
        // c = 0.9999936 > 0.9995.
        WorkedExample.AssertClose([1.008, 2, 3, 4], Merge(0.4, [1, 2, 3, 4], [1.02f, 2, 3, 4]));
    }

    [Fact]
    public void Example_S2_opposite_inputs_fall_back_to_a_lerp()
    {
        WorkedExample.AssertClose([0, 0, 0, 0], Merge(0.5, [1, 0, 0, 0], [-1, 0, 0, 0]));
    }

    [Fact]
    public void Example_S2_a_zero_base_is_left_unnormalized_so_the_angle_is_a_right_angle()
    {
        WorkedExample.AssertClose([2.121320, 2.828427, 0, 0], Merge(0.5, [0, 0, 0, 0], [3, 4, 0, 0]));
    }

    [Fact]
    public void Two_zero_tensors_give_zeros()
    {
        Assert.All(Merge(0.3, new float[10], new float[10]), x => Assert.Equal(0f, x));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    public void The_endpoints_come_back_exactly(double t)
    {
        var (v0, v1) = RandomPair();
        var merged = Merge(t, v0, v1);
        Assert.Equal(t == 0 ? v0 : v1, merged);
    }

    [Fact]
    public void A_parallel_model_is_lerped_on_the_raw_tensors()
    {
        var v0 = RandomTensors.Gaussian(Large, 11, 0.02);
        var v1 = v0.Select(x => 2 * x).ToArray();
        RoundedReference.AssertWithinOneUlp(v0.Select(x => (1 + 0.3) * x).ToArray(), Merge(0.3, v0, v1));
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(0.75)]
    [InlineData(-0.2)]
    [InlineData(1.25)]
    public void Larger_than_a_chunk_matches_the_float64_reference_within_one_ulp(double t)
    {
        var (v0, v1) = RandomPair();
        RoundedReference.AssertWithinOneUlp(Reference(v0, v1, t), Merge(t, v0, v1));
    }

    [Fact]
    public void Gives_the_same_bits_on_one_and_two_threads()
    {
        var (v0, v1) = RandomPair();
        RoundedReference.AssertSameBitsOnOneAndTwoThreads(runner => Merge(0.6, v0, v1, runner));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_t_that_is_not_a_number_is_refused(double t)
    {
        var error = Assert.Throws<MergeException>(() => Create(t));
        Assert.Equal("InvalidInterpolationFactor", error.ErrorId);
    }

    /// <summary>§3.2 step by step in float64 over the whole arrays.</summary>
    private static double[] Reference(float[] v0, float[] v1, double t)
    {
        double n0 = Math.Sqrt(v0.Sum(x => (double)x * x)), n1 = Math.Sqrt(v1.Sum(x => (double)x * x));
        var u0 = v0.Select(x => n0 > 1e-8 ? x / n0 : x).ToArray();
        var u1 = v1.Select(x => n1 > 1e-8 ? x / n1 : x).ToArray();
        double c = 0;
        for (int j = 0; j < v0.Length; j++) c += u0[j] * u1[j];
        if (Math.Abs(c) > 0.9995) return v0.Select((x, j) => (1 - t) * x + t * v1[j]).ToArray();
        double omega = Math.Acos(c);
        return v0.Select((x, j) => (Math.Sin((1 - t) * omega) * x + Math.Sin(t * omega) * v1[j]) / Math.Sin(omega)).ToArray();
    }

    /// <summary>A base and a fine-tune about 30° apart, with different norms.</summary>
    private static (float[] V0, float[] V1) RandomPair()
    {
        var v0 = RandomTensors.Gaussian(Large, 1, 0.02);
        return (v0, RandomTensors.Correlated(v0, 0.9, 2, 0.01));
    }

    private static ITensorMerge Create(double t) =>
        ResolvedParameters.Create(Slerp.Method, [4], models: 1, globals: new Dictionary<string, double> { ["t"] = t });

    private static float[] Merge(double t, float[] v0, float[] v1, ChunkRunner? runner = null) =>
        TensorMergeRunner.Run(Create(t), [v0.Length], runner ?? new ChunkRunner(0), v0, v1);
}
