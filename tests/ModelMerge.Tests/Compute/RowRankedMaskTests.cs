using ModelMerge.Compute;
using ModelMerge.Compute.Cpu;
using ModelMerge.Methods;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Compute;

/// <summary>
/// Della's row ranking within a <see cref="RankingBudget"/>: rows too long for a worker's share
/// (rows of ~1M under the smallest share) are ranked in passes, every element getting the rank a
/// full stable sort of its row gives it (magnitude ascending, lower index first among equals),
/// with scratch that never exceeds the share; short rows in a slab too large to read at once too.
/// </summary>
public sealed class RowRankedMaskTests
{
    private static readonly RankingBudget Unbounded = new(long.MaxValue);

    /// <summary>Every element's rank, as the reference computes it: each row sorted whole by (|x| bits, index).</summary>
    private static int[] ReferenceRanks(float[] values, RowLayout rows)
    {
        var ranks = new int[values.Length];
        var keys = new ulong[rows.RowLength];
        for (long s = 0; s < rows.Slabs; s++)
        for (long i = 0; i < rows.Stride; i++)
        {
            long Element(long b) => s * rows.SlabLength + b * rows.Stride + i;
            for (long b = 0; b < rows.RowLength; b++)
                keys[b] = ((ulong)(BitConverter.SingleToUInt32Bits(values[Element(b)]) & 0x7FFF_FFFF) << 32) | (uint)b;
            Array.Sort(keys);
            for (int rank = 0; rank < keys.Length; rank++) ranks[Element((uint)keys[rank])] = rank;
        }
        return ranks;
    }

    private static int[] Ranks(float[] values, RowLayout rows, int threads, RankingBudget budget)
    {
        var ranks = Enumerable.Repeat(-1, values.Length).ToArray();
        using var mask = RowRankedMask.Build(new ArraySource(values), rows, (element, rank) =>
        {
            ranks[element] = rank;
            return false;
        }, new ChunkRunner(threads), budget);
        return ranks;
    }

    /// <summary>Magnitudes spread over many exponents: thousands of thinly filled buckets, ranked by sorting their keys.</summary>
    private static float[] Spread(int seed, int length)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-40, 10)))).ToArray();
    }

    /// <summary>Twelve magnitudes, zeros, a NaN and a subnormal: a few buckets crowded far past what a sort may hold, ranked by counting.</summary>
    private static float[] Crowded(int seed, int length)
    {
        var random = new Random(seed);
        var values = Enumerable.Range(0, length).Select(_ => (random.Next(2) == 0 ? -1 : 1) * 0.0005f * random.Next(0, 13)).ToArray();
        values[length / 3] = float.NaN;
        values[length / 2] = float.Epsilon;
        return values;
    }

    /// <summary>Gaussian-like weights: a few hundred buckets, some crowded, some thin, in one group of buckets with both kinds.</summary>
    private static float[] Weights(int seed, int length)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() + random.NextDouble() + random.NextDouble() - 1.5) * 0.02)).ToArray();
    }

    public static TheoryData<string, long[]> PastTheShare => new()
    {
        { "spread", [1_000_003] },             // one row, past a chunk boundary at either end
        { "crowded", [1_000_003] },
        { "weights", [1_200_000] },
        { "weights", [2, 600_001] },           // two rows, the second starting mid-chunk
        { "crowded", [2, 400_000, 3] },        // long rows along an inner axis: strided passes
        { "spread", [3, 300_000, 2] },
        { "weights", [3, 1000, 1500] },        // short rows along axis 1 of 6 MB slabs: gathered a group of rows per pass
    };

    private static float[] Values(string kind, long length) => kind switch
    {
        "spread" => Spread(7, (int)length),
        "crowded" => Crowded(7, (int)length),
        _ => Weights(7, (int)length),
    };

    [Theory]
    [MemberData(nameof(PastTheShare))]
    public void Rows_and_slabs_past_the_share_get_the_full_sort_ranks(string kind, long[] shape)
    {
        var rows = RankedDrop.Rows(shape);
        var values = Values(kind, rows.Length);
        var budget = new RankingBudget(RankingBudget.MinimumPerWorker);

        var bounded = Ranks(values, rows, 2, budget);

        Assert.Equal(ReferenceRanks(values, rows), bounded);
        Assert.InRange(budget.PeakBytes, 1, budget.PerWorker(2));
    }

    /// <summary>
    /// A 4 Mi-element row: sorted whole it holds 16 bytes of keys per element (what the ranking
    /// always did, 5 GB for a 2^28-element row); under a 16 MiB budget the same mask comes from
    /// passes that hold at most a worker's share.
    /// </summary>
    [Fact]
    public void A_long_row_masks_the_same_within_its_share_as_sorted_whole()
    {
        var rows = RankedDrop.Rows([1 << 22]);
        var values = Weights(13, (int)rows.Length);
        ulong key = CounterRandom.Key(5, "model.norm.weight", 1);
        var limits = RankKeepLimits.ForDella(rows.RowLength, 0.4, 0.15);
        var budget = new RankingBudget(16L << 20);
        var runner = new ChunkRunner(2);

        using var whole = RowRankedMask.Build(new ArraySource(values), rows, key, limits, runner, Unbounded);
        using var bounded = RowRankedMask.Build(new ArraySource(values), rows, key, limits, runner, budget);

        Assert.True(Unbounded.PeakBytes >= 16L * rows.RowLength, $"sorted whole, the row held {Unbounded.PeakBytes} bytes");
        Assert.InRange(budget.PeakBytes, 1, budget.PerWorker(2));
        for (long j = 0; j < rows.Length; j++)
            if (whole.Keeps(j) != bounded.Keeps(j)) Assert.Fail($"element {j}: kept {whole.Keeps(j)} sorted whole, {bounded.Keeps(j)} in passes");
    }

    [Fact]
    public void Ordinary_rows_rank_whole_within_the_default_share()
    {
        var rows = RankedDrop.Rows([64, 4096]);
        var values = Weights(17, (int)rows.Length);
        var budget = new RankingBudget();

        var ranks = Ranks(values, rows, 2, budget);

        Assert.Equal(ReferenceRanks(values, rows), ranks);
        Assert.InRange(budget.PeakBytes, 1, 2L << 20);
    }

    /// <summary>Past the table's length the limits are computed per rank: the same doubles, the same limits.</summary>
    [Theory]
    [InlineData(1L)]
    [InlineData(70_001L)]
    public void Computed_keep_limits_are_the_tabled_ones(long rowLength)
    {
        var limits = RankKeepLimits.ForDella(rowLength, 0.35, 0.2);
        var expected = Array.ConvertAll(RankedDrop.KeepProbabilities(rowLength, 0.35, 0.2), CounterRandom.KeepLimit);

        for (long rank = 0; rank < rowLength; rank++) Assert.Equal(expected[rank], limits[rank]);
    }
}
