using ModelMerge.Methods;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>merge-semantics §5.4: nearswap takes the other model's values within t of the base and moves t towards the rest.</summary>
public sealed class NearSwapTests
{
    private static readonly float[]? NoBase = null;

    [Fact]
    public void Reproduces_the_worked_example()
    {
        var output = TensorMergeRunner.Run(new NearSwap(0.001), [4], [1f, 1f, 1f, 1f], [1.0005f, 1.002f, 1.1f, 0f]);

        WorkedExample.AssertClose([1.0005, 1.001, 1.001, 0.999], output);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.25)]
    public void Non_positive_t_returns_the_base(double t)
    {
        float[] a = [1f, -2f, 3f];

        Assert.Equal(a, TensorMergeRunner.Run(new NearSwap(t), [3], a, [0f, 5f, 3.5f]));
    }

    [Fact]
    public void With_only_one_of_the_two_present_that_one_is_the_result()
    {
        float[] values = [1f, -2f, 3f];

        Assert.Equal(values, TensorMergeRunner.Run(new NearSwap(0.1), [3], values));
        Assert.Equal(values, TensorMergeRunner.Run(new NearSwap(0.1), [3], NoBase, values));
    }

    [Fact]
    public void Values_closer_than_the_distance_floor_are_swapped()
    {
        // |a − b| < 1e-6 uses the floor: w = clamp(1e-3 / 1e-6, 0, 1) = 1, so b.
        float[] a = [1f, 2f];
        float[] b = [1.0000001f, 2f];

        Assert.Equal(b, TensorMergeRunner.Run(new NearSwap(1e-3), [2], a, b));
    }

    [Theory]
    [InlineData(1e-3)]
    [InlineData(2e-2)]
    public void Large_random_merge_equals_a_step_of_at_most_t_within_one_ulp_on_any_thread_count(double t)
    {
        // The equivalent form for t ≥ 1e-6: a + clamp(b − a, −t, t).
        var a = MethodChecks.Normal(50, MethodChecks.LargeLength, 0.02);
        var delta = MethodChecks.Normal(51, MethodChecks.LargeLength, 0.01);
        var b = a.Select((x, j) => x + delta[j]).ToArray();

        var output = MethodChecks.SameBitsOnOneAndTwoThreads(new NearSwap(t), MethodChecks.Flat(a.Length), a, b);

        MethodChecks.WithinOneUlp(a.Select((x, j) => x + Math.Clamp((double)b[j] - x, -t, t)).ToArray(), output);
    }
}
