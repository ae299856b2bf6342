using System.Buffers;
using System.Runtime.ExceptionServices;

namespace ModelMerge.Compute;

/// <summary>Visits one chunk's values (grid chunk index, values) with a per-thread state.</summary>
public delegate void ChunkVisitor<in TState>(TState state, long chunk, ReadOnlySpan<float> values);

/// <summary>Visits one chunk's values (grid chunk index, values); results go to per-chunk slots.</summary>
public delegate void ChunkAction(long chunk, ReadOnlySpan<float> values);

/// <summary>
/// Runs work over the chunks of a tensor on all allowed cores. A pass runs in windows of
/// <see cref="WindowChunks"/> chunks, one after another, so an <see cref="IPassObserver"/> can
/// have the inputs' next window read while this one computes.
/// </summary>
public sealed class ChunkRunner
{
    /// <summary>
    /// Chunks per window: 4 Mi elements, 8 MB of each bf16 input. Small enough that a window of
    /// every input of a many-model merge fits well inside the memory budget, large enough that
    /// the wait for a window's last chunk and the observer's calls cost next to nothing.
    /// </summary>
    public const int WindowChunks = 64;

    private readonly IPassObserver? _observer;

    public ChunkRunner(int maxDegreeOfParallelism, CancellationToken cancellation = default)
        : this(maxDegreeOfParallelism > 0 ? maxDegreeOfParallelism : Environment.ProcessorCount, cancellation, null)
    {
    }

    private ChunkRunner(int maxDegreeOfParallelism, CancellationToken cancellation, IPassObserver? observer)
    {
        MaxDegreeOfParallelism = maxDegreeOfParallelism;
        Cancellation = cancellation;
        _observer = observer;
    }

    public int MaxDegreeOfParallelism { get; }

    public CancellationToken Cancellation { get; }

    /// <summary>The same runner, telling <paramref name="observer"/> as its passes move through a tensor.</summary>
    public ChunkRunner Observed(IPassObserver observer) => new(MaxDegreeOfParallelism, Cancellation, observer);

    /// <summary>
    /// The same runner on one thread, chunks in index order, still telling its observer: for a
    /// pass whose state must meet the elements in index order (della's ranks among equal
    /// magnitudes), so it reads its inputs ahead as a parallel pass does.
    /// </summary>
    public ChunkRunner InOrder() => new(1, Cancellation, _observer);

    private ParallelOptions Options => new() { MaxDegreeOfParallelism = MaxDegreeOfParallelism, CancellationToken = Cancellation };

    /// <summary>Calls <paramref name="body"/>(chunk index, start, count) for chunks [first, first + count).</summary>
    public void ForEachChunk(long length, long firstChunk, long chunkCount, Action<long, long, int> body)
    {
        if (chunkCount <= 0) return;
        long end = firstChunk + chunkCount;
        for (long window = firstChunk; window < end; window += WindowChunks)
        {
            long windowEnd = Math.Min(window + WindowChunks, end);
            Entering(length, window, 1);
            RunWindow(length, window, windowEnd, body);
        }
    }

    private void RunWindow(long length, long first, long end, Action<long, long, int> body)
    {
        if (end - first == 1 || MaxDegreeOfParallelism == 1)
        {
            for (long c = first; c < end; c++)
            {
                Cancellation.ThrowIfCancellationRequested();
                var (start, count) = ChunkGrid.Chunk(length, c);
                body(c, start, count);
            }
            return;
        }
        try
        {
            Parallel.For(first, end, Options, c =>
            {
                var (start, count) = ChunkGrid.Chunk(length, c);
                body(c, start, count);
            });
        }
        catch (AggregateException parallel) { RethrowFirst(parallel); }
    }

    /// <summary>
    /// Tells the observer that the window starting at chunk <paramref name="first"/> runs now and
    /// the one after it next, even past the end of this call: the exporter's blocks are one
    /// window each, and the next block's pages should be on their way while this one computes.
    /// </summary>
    private void Entering(long length, long first, long stride)
    {
        // A strided sample touches a few pages of each window: reading all of them ahead would cost more than it saves.
        if (_observer is null || stride != 1) return;
        long last = Math.Min(first + 2 * WindowChunks, ChunkGrid.ChunkCount(length)) - 1;
        if (last >= first) _observer.Ahead(ChunkGrid.Chunk(length, first).Start, ChunkEnd(length, last));
    }

    private static long ChunkEnd(long length, long chunk)
    {
        var (start, count) = ChunkGrid.Chunk(length, chunk);
        return start + count;
    }

    public void ForEachChunk(long length, Action<long, long, int> body) =>
        ForEachChunk(length, 0, ChunkGrid.ChunkCount(length), body);

    /// <summary>
    /// Reads every chunk of <paramref name="source"/> and hands it to <paramref name="visit"/>
    /// with a per-thread state created by <paramref name="init"/> and merged by <paramref name="merge"/>
    /// (merge runs under a lock, once per worker).
    /// </summary>
    /// <param name="chunkStride">Visit every chunkStride-th chunk only (0, stride, 2·stride, ...): a sample.</param>
    public TState Reduce<TState>(IChunkSource source, Func<TState> init, ChunkVisitor<TState> visit, Action<TState, TState> merge,
        long chunkStride = 1)
        where TState : class
    {
        long length = source.Length;
        long visits = (ChunkGrid.ChunkCount(length) + chunkStride - 1) / chunkStride;
        // A worker's state outlives the window it was made in: the next window's workers take it up again,
        // so init and merge run once per worker for the whole pass, as they would without windows.
        var idle = new System.Collections.Concurrent.ConcurrentBag<(TState State, float[] Buffer)>();
        try
        {
            // A window spans WindowChunks chunks however sparsely it visits them.
            long visitsPerWindow = Math.Max(1, WindowChunks / chunkStride);
            for (long window = 0; window < visits; window += visitsPerWindow)
            {
                long windowEnd = Math.Min(window + visitsPerWindow, visits);
                Entering(length, window, chunkStride);
                (TState State, float[] Buffer) Take() =>
                    idle.TryTake(out var local) ? local : (init(), ArrayPool<float>.Shared.Rent(ChunkGrid.ChunkElements));
                (TState, float[]) Visit(long index, (TState State, float[] Buffer) local)
                {
                    long c = index * chunkStride;
                    var (start, count) = ChunkGrid.Chunk(length, c);
                    var span = local.Buffer.AsSpan(0, count);
                    source.Read(start, span);
                    visit(local.State, c, span);
                    return local;
                }
                // A window of one chunk (every small tensor) runs on this thread: handing it to the pool and
                // waiting for it cost milliseconds of wake-ups per pass, far more than the chunk's work.
                if (windowEnd - window == 1 || MaxDegreeOfParallelism == 1)
                {
                    var local = Take();
                    try
                    {
                        for (long index = window; index < windowEnd; index++)
                        {
                            Cancellation.ThrowIfCancellationRequested();
                            local = Visit(index, local);
                        }
                    }
                    finally { idle.Add(local); }
                }
                else Parallel.For(window, windowEnd, Options, Take, (index, _, local) => Visit(index, local), idle.Add);
            }
        }
        catch (AggregateException parallel) { RethrowFirst(parallel); }
        var total = init();
        foreach (var (state, buffer) in idle)
        {
            ArrayPool<float>.Shared.Return(buffer);
            merge(total, state);
        }
        return total;
    }

    /// <summary>Reads every chunk of <paramref name="source"/> and hands it to <paramref name="visit"/>, on all allowed cores.</summary>
    public void ForEachChunk(IChunkSource source, ChunkAction visit) =>
        Reduce<object>(source, () => visit, (_, chunk, values) => visit(chunk, values), (_, _) => { });

    /// <summary>
    /// A chunk's failure surfaces as the exception it threw, as it does on one thread, so callers
    /// catch the library's own exceptions (a MergeException raised mid-tensor keeps its id) rather
    /// than an AggregateException that depends on the thread count.
    /// </summary>
    private static void RethrowFirst(AggregateException parallel) =>
        ExceptionDispatchInfo.Capture(parallel.InnerExceptions.Count > 0 ? parallel.InnerExceptions[0] : parallel).Throw();
}
