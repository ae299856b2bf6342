using ModelMerge.Compute;
using ModelMerge.Compute.Cpu;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>The radix-select order statistics arcee_fusion's threshold reads, against a full sort.</summary>
public sealed class OrderStatisticsTests
{
    private const int Length = 3 * ChunkGrid.ChunkElements + 11;

    public static TheoryData<string, int> Cases => new()
    {
        { "signed", 1 },
        { "signed", 2 },
        { "ties", 1 },
        { "ties", 2 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Selected_values_are_those_a_full_ascending_sort_holds_at_the_ranks(string data, int threads)
    {
        var values = data == "ties" ? Ties(5) : MethodChecks.Normal(3, Length, 1.0);
        long[] ranks = [0, Length / 4, Length / 2, 3L * Length / 4, Length - 1, 17];
        var sorted = (float[])values.Clone();
        Array.Sort(sorted);

        var selected = OrderStatistics.Select(new ArraySource(values), ranks, new ChunkRunner(threads));

        Assert.Equal(ranks.Select(r => sorted[r]), selected);
    }

    [Fact]
    public void Negative_zero_and_positive_values_keep_numeric_order()
    {
        float[] values = [3f, -0f, -2.5f, 0f, float.Epsilon, -float.Epsilon, 1e30f, -1e30f];
        var sorted = (float[])values.Clone();
        Array.Sort(sorted);

        var selected = OrderStatistics.Select(new ArraySource(values), Enumerable.Range(0, values.Length).Select(r => (long)r).ToArray(), new ChunkRunner(1));

        Assert.Equal(sorted, selected);
    }

    [Fact]
    public void A_rank_outside_the_tensor_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => OrderStatistics.Select(new ArraySource([1f, 2f]), [2], new ChunkRunner(1)));
    }

    /// <summary>Nine values, zero among them, so every rank falls inside a long run of equal values.</summary>
    private static float[] Ties(int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, Length).Select(_ => 0.25f * random.Next(-4, 5)).ToArray();
    }
}
