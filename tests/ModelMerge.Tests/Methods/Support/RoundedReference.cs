using ModelMerge.Compute;

namespace ModelMerge.Tests.Methods.Support;

/// <summary>Holds a float32 result to a float64 reference rounded once, and to itself across thread counts.</summary>
internal static class RoundedReference
{
    /// <summary>
    /// Every element within one float32 ulp of the reference rounded to float32: the library
    /// rounds its own float64 value once, which may land on the neighbour, never further.
    /// </summary>
    public static void AssertWithinOneUlp(double[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        int failures = 0, worst = -1;
        long worstDistance = 0;
        for (int j = 0; j < actual.Length; j++)
        {
            long distance = FloatUlps.SingleDistance(actual[j], (float)expected[j]);
            if (distance <= 1) continue;
            failures++;
            if (distance > worstDistance) (worst, worstDistance) = (j, distance);
        }
        Assert.True(failures == 0,
            $"{failures} of {actual.Length} elements are more than one float32 ulp from the reference; worst is element {worst}, " +
            $"{worstDistance} ulps: {(worst < 0 ? 0 : actual[worst])} vs {(worst < 0 ? 0 : expected[worst])}");
    }

    /// <summary>The same bits on one thread as on two: reductions are added in grid order, never in finishing order.</summary>
    public static void AssertSameBitsOnOneAndTwoThreads(Func<ChunkRunner, float[]> merge)
    {
        var single = merge(new ChunkRunner(1));
        var parallel = merge(new ChunkRunner(2));
        Assert.Equal(single.Length, parallel.Length);
        for (int j = 0; j < single.Length; j++)
            Assert.True(BitConverter.SingleToInt32Bits(single[j]) == BitConverter.SingleToInt32Bits(parallel[j]),
                $"element {j}: {single[j]} on one thread, {parallel[j]} on two");
    }
}
