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

        public List<(long Start, long End)> Behind { get; } = [];

        void IPassObserver.Ahead(long start, long end)
        {
            Ahead.Add((start, end));
            Events.Enqueue("ahead");
        }

        void IPassObserver.Behind(long start, long end)
        {
            Behind.Add((start, end));
            Events.Enqueue($"behind {start / Window}");
        }

        public void Visited(long chunk) => Events.Enqueue($"chunk {chunk / ChunkRunner.WindowChunks}");
    }

    [Fact]
    public void A_pass_lets_go_of_each_window_after_all_its_chunks_ran_and_before_the_next_window_starts()
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
        Assert.Equal([(0, Window), (Window, 2 * Window), (2 * Window, length)], observer.Behind);
        Assert.Equal([(0, 2 * Window), (Window, length), (2 * Window, length)], observer.Ahead);
        // Every chunk of window w runs after "behind w-1" and before "behind w".
        long window = 0;
        foreach (string e in observer.Events)
        {
            if (e.StartsWith("chunk ", StringComparison.Ordinal)) Assert.Equal(window, long.Parse(e[6..]));
            else if (e.StartsWith("behind ", StringComparison.Ordinal)) Assert.Equal(window++, long.Parse(e[7..]));
        }
        Assert.Equal(3, window);
    }

    [Fact]
    public void A_pass_over_part_of_a_tensor_reads_ahead_past_its_own_end_but_lets_go_only_of_its_own_chunks()
    {
        long length = 300L * ChunkGrid.ChunkElements;
        var observer = new RecordingObserver();

        new ChunkRunner(2).Observed(observer).ForEachChunk(length, 64, 64, (_, _, _) => { });

        Assert.Equal([(Window, 3 * Window)], observer.Ahead);
        Assert.Equal([(Window, 2 * Window)], observer.Behind);
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
        Assert.Equal(4, observer.Behind.Count);
        Assert.Equal(values.Length, observer.Behind[^1].End);
    }

    [Fact]
    public void A_strided_sample_reads_nothing_ahead_and_lets_go_of_each_window_it_crossed()
    {
        var values = new float[2000 * ChunkGrid.ChunkElements];
        var observer = new RecordingObserver();

        var visited = new ChunkRunner(2).Observed(observer).Reduce(new ArraySource(values), () => new long[1],
            (count, _, _) => count[0]++, (into, part) => into[0] += part[0], chunkStride: 16);

        Assert.Equal(125, visited[0]);
        Assert.Empty(observer.Ahead);
        // Four visits of every sixteenth chunk span a window's 64 chunks: released as often as a full pass.
        Assert.Equal(32, observer.Behind.Count);
        Assert.Equal((0, 49L * ChunkGrid.ChunkElements), observer.Behind[0]);
        Assert.Equal((64L * ChunkGrid.ChunkElements, 113L * ChunkGrid.ChunkElements), observer.Behind[1]);
        Assert.Equal(1985L * ChunkGrid.ChunkElements, observer.Behind[^1].End);
    }
}
