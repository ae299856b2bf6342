using ModelMerge.Compute;
using ModelMerge.Compute.Cpu;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>
/// The radix-select top-k against a full stable sort (|x| descending, index ascending), on one
/// thread and on two, over tensors that span several grid chunks.
/// </summary>
public sealed class MagnitudeSelectionTests
{
    private const int Length = 3 * ChunkGrid.ChunkElements + 5;

    /// <summary>Continuous magnitudes: the cut falls between distinct values, found by the two histograms.</summary>
    private static float[] Distinct(int seed, int length)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() - 0.5) * 0.004)).ToArray();
    }

    /// <summary>Forty magnitudes only, so thousands of elements sit at any cut and the index order decides.</summary>
    private static float[] ManyTies(int seed, int length)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (random.Next(2) == 0 ? -1 : 1) * 0.0005f * random.Next(1, 41)).ToArray();
    }

    public static TheoryData<string, int, double> Cases => new()
    {
        { "distinct", 1, 0.2 },
        { "distinct", 2, 0.2 },
        { "distinct", 1, 0.999 },
        { "ties", 1, 0.2 },
        { "ties", 2, 0.2 },
        { "ties", 2, 0.5 },
        { "ties", 2, 0.001 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Kept_set_has_exactly_k_elements_and_matches_a_stable_sort(string data, int threads, double fraction)
    {
        var values = data == "ties" ? ManyTies(11, Length) : Distinct(7, Length);
        long k = (long)Math.Floor(fraction * Length);

        var kept = Kept(values, k, new ChunkRunner(threads));

        Assert.Equal(k, kept.Count);
        Assert.Equal(MergeReference.SortedByMagnitude(values).Take((int)k).Order(), kept);
    }

    [Fact]
    public void Cut_through_a_run_of_equal_magnitudes_spanning_chunks_keeps_the_earliest()
    {
        // Every element has the same magnitude: only the index order can decide, across all four chunks.
        var values = Enumerable.Range(0, Length).Select(i => i % 3 == 0 ? -0.25f : 0.25f).ToArray();
        long k = 2 * ChunkGrid.ChunkElements + 17;

        foreach (int threads in new[] { 1, 2 })
            Assert.Equal(Enumerable.Range(0, (int)k), Kept(values, k, new ChunkRunner(threads)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void One_and_all_elements_are_valid_cuts(int threads)
    {
        var values = ManyTies(5, Length);
        var runner = new ChunkRunner(threads);

        Assert.Equal([MergeReference.SortedByMagnitude(values)[0]], Kept(values, 1, runner));
        Assert.Equal(Length, Kept(values, Length, runner).Count);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Zeros_below_the_cut_change_nothing_when_k_exceeds_the_nonzero_count(int threads)
    {
        // A zero kept or dropped is the same zero, so only the values are compared here.
        var values = ManyTies(3, Length);
        for (int j = 0; j < values.Length; j += 2) values[j] = j % 4 == 0 ? 0f : -0f;
        long nonzero = values.Count(v => v != 0);
        long k = nonzero + 1000;

        var cut = MagnitudeSelection.FindTopK(new ArraySource(values), k, new ChunkRunner(threads));
        var applied = Apply(cut, values);

        Assert.Equal(values, applied);
    }

    [Fact]
    public void K_outside_one_to_length_is_refused()
    {
        var source = new ArraySource([1f, 2f]);

        Assert.Throws<ArgumentOutOfRangeException>(() => MagnitudeSelection.FindTopK(source, 0, new ChunkRunner(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => MagnitudeSelection.FindTopK(source, 3, new ChunkRunner(1)));
    }

    public static TheoryData<string, int> SmallCases => new()
    {
        { "distinct", 1 }, { "distinct", 16 }, { "distinct", 2048 }, { "distinct", MagnitudeSelection.SortedUpTo },
        { "ties", 16 }, { "ties", 1000 }, { "ties", MagnitudeSelection.SortedUpTo },
        { "specials", 64 }, { "specials", MagnitudeSelection.SortedUpTo },
    };

    /// <summary>Small tensors sort their magnitudes instead of histogramming them: the cut must be the radix select's, field for field.</summary>
    [Theory]
    [MemberData(nameof(SmallCases))]
    public void A_small_tensor_sorted_is_cut_exactly_where_the_radix_select_cuts_it(string data, int length)
    {
        var values = data switch
        {
            "ties" => ManyTies(13, length),
            "distinct" => Distinct(17, length),
            // Zeros of both signs, a subnormal, infinities and NaN: their bits order as the radix select's keys do.
            _ => Enumerable.Range(0, length).Select(i => (i % 8) switch
            {
                0 => 0f, 1 => -0f, 2 => float.Epsilon, 3 => float.PositiveInfinity, 4 => float.NaN, 5 => -1.5f, 6 => 1.5f, _ => -float.MaxValue,
            }).ToArray(),
        };
        var source = new ArraySource(values);
        foreach (long k in new long[] { 1, Math.Max(1, length / 3), Math.Max(1, length / 2), length })
        {
            var sorted = MagnitudeSelection.FindTopKBySorting(source, k);
            var radix = MagnitudeSelection.FindTopKExactly(source, k, new ChunkRunner(1));

            Assert.Equal(radix.ThresholdBits, sorted.ThresholdBits);
            Assert.Equal(radix.KeepAtThreshold, sorted.KeepAtThreshold);
            Assert.Equal(radix.AtThreshold, sorted.AtThreshold);
            Assert.Equal(radix.TiesBeforeChunk, sorted.TiesBeforeChunk);
            Assert.Equal(Apply(radix, values), Apply(sorted, values));
        }
    }

    /// <summary>The indices the cut keeps, in ascending order (the data holds no zeros, so kept ⇔ nonzero).</summary>
    private static List<int> Kept(float[] values, long k, ChunkRunner runner)
    {
        Assert.DoesNotContain(0f, values);
        var cut = MagnitudeSelection.FindTopK(new ArraySource(values), k, runner);
        var applied = Apply(cut, values);
        return Enumerable.Range(0, applied.Length).Where(j => applied[j] != 0).ToList();
    }

    private static float[] Apply(MagnitudeCut cut, float[] values)
    {
        var applied = (float[])values.Clone();
        for (long c = 0; c < ChunkGrid.ChunkCount(applied.Length); c++)
        {
            var (start, count) = ChunkGrid.Chunk(applied.Length, c);
            cut.Apply(c, applied.AsSpan((int)start, count));
        }
        return applied;
    }
}
