using ModelMerge.Compute;
using ModelMerge.Compute.Cpu;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>
/// The sampled one-pass top-k on tensors large enough to use it: it must give exactly the cut
/// of the exact search (and so of a stable sort), and decline rather than guess when the
/// sample is misleading.
/// </summary>
public sealed class MagnitudeWindowTests
{
    private const int Length = 40 * ChunkGrid.ChunkElements + 321;

    private static float[] Continuous(int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, Length).Select(_ => (float)((random.NextDouble() - 0.5) * 0.004)).ToArray();
    }

    /// <summary>bf16-like task vectors: few distinct magnitudes, so thousands tie at the cut.</summary>
    private static float[] Quantised(int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, Length).Select(_ => (random.Next(2) == 0 ? -1 : 1) * (1 + random.Next(300)) / 65536f).ToArray();
    }

    public static TheoryData<string, double, int> Cases => new()
    {
        { "continuous", 0.2, 2 },
        { "continuous", 0.01, 1 },
        { "continuous", 0.97, 2 },
        { "quantised", 0.2, 2 },
        { "quantised", 0.5, 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Window_cut_equals_the_exact_cut_and_a_stable_sort(string data, double fraction, int threads)
    {
        var values = data == "continuous" ? Continuous(3) : Quantised(4);
        long k = (long)Math.Floor(fraction * Length);
        var source = new ArraySource(values);
        var runner = new ChunkRunner(threads);

        var window = MagnitudeWindow.TryFindTopK(source, k, runner);
        var exact = MagnitudeSelection.FindTopKExactly(source, k, runner);

        Assert.NotNull(window);
        Assert.Equal(exact.ThresholdBits, window.ThresholdBits);
        Assert.Equal(exact.KeepAtThreshold, window.KeepAtThreshold);
        Assert.Equal(exact.TiesBeforeChunk, window.TiesBeforeChunk);
        var kept = Kept(window, values);
        Assert.Equal(k, kept.Count);
        Assert.Equal(MergeReference.SortedByMagnitude(values).Take((int)k).Order(), kept);
    }

    [Fact]
    public void A_sample_that_misrepresents_the_tensor_makes_it_decline_and_the_exact_search_answer()
    {
        // The sampled chunks (every sixteenth) hold tiny values; all the large ones sit elsewhere.
        var values = Continuous(5);
        for (long c = 0; c < ChunkGrid.ChunkCount(Length); c++)
        {
            var (start, count) = ChunkGrid.Chunk(Length, c);
            if (c % 16 == 0)
                for (long j = start; j < start + count; j++) values[j] *= 1e-6f;
        }
        long k = Length / 10;
        var source = new ArraySource(values);

        Assert.Null(MagnitudeWindow.TryFindTopK(source, k, new ChunkRunner(2)));
        Assert.Equal(MergeReference.SortedByMagnitude(values).Take((int)k).Order(),
            Kept(MagnitudeSelection.FindTopK(source, k, new ChunkRunner(2)), values));
    }

    [Fact]
    public void A_crowded_window_makes_it_decline()
    {
        // One magnitude everywhere: the window holds every element.
        var values = Enumerable.Range(0, Length).Select(j => j % 2 == 0 ? 0.5f : -0.5f).ToArray();

        Assert.Null(MagnitudeWindow.TryFindTopK(new ArraySource(values), Length / 3, new ChunkRunner(1)));
    }

    [Fact]
    public void Small_tensors_are_left_to_the_exact_search()
    {
        var values = Continuous(6).AsSpan(0, 20 * ChunkGrid.ChunkElements).ToArray();

        Assert.Null(MagnitudeWindow.TryFindTopK(new ArraySource(values), 1000, new ChunkRunner(1)));
    }

    private static List<int> Kept(MagnitudeCut cut, float[] values)
    {
        var applied = (float[])values.Clone();
        for (long c = 0; c < ChunkGrid.ChunkCount(applied.Length); c++)
        {
            var (start, count) = ChunkGrid.Chunk(applied.Length, c);
            cut.Apply(c, applied.AsSpan((int)start, count));
        }
        return Enumerable.Range(0, applied.Length).Where(j => applied[j] != 0).ToList();
    }
}
