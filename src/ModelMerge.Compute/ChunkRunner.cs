using System.Buffers;
using System.Runtime.ExceptionServices;

namespace ModelMerge.Compute;

/// <summary>Visits one chunk's values (grid chunk index, values) with a per-thread state.</summary>
public delegate void ChunkVisitor<in TState>(TState state, long chunk, ReadOnlySpan<float> values);

/// <summary>Visits one chunk's values (grid chunk index, values); results go to per-chunk slots.</summary>
public delegate void ChunkAction(long chunk, ReadOnlySpan<float> values);

/// <summary>Runs work over the chunks of a tensor on all allowed cores.</summary>
public sealed class ChunkRunner
{
    public ChunkRunner(int maxDegreeOfParallelism, CancellationToken cancellation = default)
    {
        MaxDegreeOfParallelism = maxDegreeOfParallelism > 0 ? maxDegreeOfParallelism : Environment.ProcessorCount;
        Cancellation = cancellation;
    }

    public int MaxDegreeOfParallelism { get; }

    public CancellationToken Cancellation { get; }

    private ParallelOptions Options => new() { MaxDegreeOfParallelism = MaxDegreeOfParallelism, CancellationToken = Cancellation };

    /// <summary>Calls <paramref name="body"/>(chunk index, start, count) for chunks [first, first + count).</summary>
    public void ForEachChunk(long length, long firstChunk, long chunkCount, Action<long, long, int> body)
    {
        if (chunkCount <= 0) return;
        if (chunkCount == 1 || MaxDegreeOfParallelism == 1)
        {
            for (long c = firstChunk; c < firstChunk + chunkCount; c++)
            {
                Cancellation.ThrowIfCancellationRequested();
                var (start, count) = ChunkGrid.Chunk(length, c);
                body(c, start, count);
            }
            return;
        }
        try
        {
            Parallel.For(firstChunk, firstChunk + chunkCount, Options, c =>
            {
                var (start, count) = ChunkGrid.Chunk(length, c);
                body(c, start, count);
            });
        }
        catch (AggregateException parallel) { RethrowFirst(parallel); }
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
        var total = init();
        var gate = new object();
        long visits = (ChunkGrid.ChunkCount(source.Length) + chunkStride - 1) / chunkStride;
        try
        {
            Parallel.For(0L, visits, Options,
                () => (State: init(), Buffer: ArrayPool<float>.Shared.Rent(ChunkGrid.ChunkElements)),
                (index, _, local) =>
                {
                    long c = index * chunkStride;
                    var (start, count) = ChunkGrid.Chunk(source.Length, c);
                    var span = local.Buffer.AsSpan(0, count);
                    source.Read(start, span);
                    visit(local.State, c, span);
                    return local;
                },
                local =>
                {
                    ArrayPool<float>.Shared.Return(local.Buffer);
                    lock (gate) merge(total, local.State);
                });
        }
        catch (AggregateException parallel) { RethrowFirst(parallel); }
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
