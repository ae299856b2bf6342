using System.Collections.Concurrent;
using ModelMerge.Compute;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Compute;

public class ChunkRunnerWindowTests
{
    private const long Window = ChunkRunner.WindowChunks * (long)ChunkGrid.ChunkElements;

    /// <summary>Records, in order, the observer's calls and the chunks that ran between them.</summary>
    private sealed class RecordingObserver : IPassObserver
    {
        public ConcurrentQueue<string> Events { get; } = new();

        public List<(long Start, long End)> Ahead { get; } = [];

        void IPassObserver.Ahead(long start, long end)
        {
            Ahead.Add((start, end));
            Events.Enqueue($"ahead {start / Window}");
        }

        public void Visited(long chunk) => Events.Enqueue($"chunk {chunk / ChunkRunner.WindowChunks}");
    }

    [Fact]
    public void A_pass_asks_for_each_window_and_the_next_before_any_of_its_chunks_runs()
    {
        long length = 150L * ChunkGrid.ChunkElements + 100;
        var observer = new RecordingObserver();
        var runner = new ChunkRunner(2).Observed(observer);
        var seen = new ConcurrentDictionary<long, bool>();

        runner.ForEachChunk(length, (chunk, _, _) =>
        {
            Assert.True(seen.TryAdd(chunk, true));
            observer.Visited(chunk);
        });

        Assert.Equal(151, seen.Count);
        Assert.Equal([(0, 2 * Window), (Window, length), (2 * Window, length)], observer.Ahead);
        // Every chunk of window w runs after "ahead w" and before "ahead w+1".
        long window = -1;
        foreach (string e in observer.Events)
        {
            if (e.StartsWith("chunk ", StringComparison.Ordinal)) Assert.Equal(window, long.Parse(e[6..]));
            else Assert.Equal(++window, long.Parse(e[6..]));
        }
        Assert.Equal(2, window);
    }

    [Fact]
    public void A_pass_over_part_of_a_tensor_reads_ahead_past_its_own_end()
    {
        long length = 300L * ChunkGrid.ChunkElements;
        var observer = new RecordingObserver();

        new ChunkRunner(2).Observed(observer).ForEachChunk(length, 64, 64, (_, _, _) => { });

        Assert.Equal([(Window, 3 * Window)], observer.Ahead);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_windowed_reduction_makes_one_state_per_worker_for_the_whole_pass_and_sees_every_element_once(int threads)
    {
        var values = new float[200 * ChunkGrid.ChunkElements + 7];
        for (int i = 0; i < values.Length; i++) values[i] = i % 3;
        var observer = new RecordingObserver();
        int states = 0;

        var total = new ChunkRunner(threads).Observed(observer).Reduce(new ArraySource(values),
            () => { Interlocked.Increment(ref states); return new double[1]; },
            (sum, _, chunk) => { foreach (float v in chunk) sum[0] += v; },
            (into, part) => into[0] += part[0]);

        double expected = 0;
        foreach (float v in values) expected += v;
        Assert.Equal(expected, total[0]);
        Assert.InRange(states, 2, threads + 1); // the workers' states and the total
        Assert.Equal(4, observer.Ahead.Count);
        Assert.Equal(values.Length, observer.Ahead[^1].End);
    }

    [Fact]
    public void A_strided_sample_reads_nothing_ahead()
    {
        var values = new float[2000 * ChunkGrid.ChunkElements];
        var observer = new RecordingObserver();

        var visited = new ChunkRunner(2).Observed(observer).Reduce(new ArraySource(values), () => new long[1],
            (count, _, _) => count[0]++, (into, part) => into[0] += part[0], chunkStride: 16);

        Assert.Equal(125, visited[0]);
        Assert.Empty(observer.Ahead);
    }
}
