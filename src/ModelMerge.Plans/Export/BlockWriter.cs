using System.Collections.Concurrent;
using ModelMerge.Formats.Safetensors;

namespace ModelMerge.Plans.Export;

/// <summary>
/// Hands finished blocks of output bytes to one writer thread, so that computing the next
/// block overlaps writing the last; a failure on either side stops the other. Blocks come from
/// <see cref="Rent"/> and go back to this writer's own pool once written: a shared array pool
/// fed on the writer's thread and drawn on the producer's keeps a stock per core, which held
/// a hundred megabytes of idle blocks.
/// </summary>
internal sealed class BlockWriter : IDisposable
{
    /// <summary>Blocks queued at most: enough to ride out a slow write, few enough to bound memory (8–16 MB each).</summary>
    private const int BlocksInFlight = 3;

    /// <summary>The queued blocks, the one being written and the one being filled: no more are ever out at once.</summary>
    private const int PooledBlocks = BlocksInFlight + 2;

    private readonly ConcurrentBag<byte[]> _free = [];

    private readonly CheckpointWriter _writer;
    private readonly BlockingCollection<(string? Tensor, byte[]? Bytes, int Length)> _queue = new(BlocksInFlight);
    private readonly CancellationTokenSource _stop;
    private readonly Task _task;
    private long _bytesWritten;

    public BlockWriter(CheckpointWriter writer, CancellationToken cancellation)
    {
        _writer = writer;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        _task = Task.Factory.StartNew(Drain, TaskCreationOptions.LongRunning);
    }

    public long BytesWritten => Interlocked.Read(ref _bytesWritten);

    public void BeginTensor(string name) => Add((name, null, 0));

    /// <summary>A block of at least <paramref name="length"/> bytes, to fill and hand to <see cref="Enqueue"/> (or <see cref="Return"/> unused).</summary>
    public byte[] Rent(int length)
    {
        while (_free.TryTake(out var block))
            if (block.Length >= length) return block;
        // Smaller free blocks are dropped: block sizes change only between a copied tensor and a computed one.
        return GC.AllocateUninitializedArray<byte>(length);
    }

    public void Return(byte[] block)
    {
        if (_free.Count < PooledBlocks) _free.Add(block);
    }

    public void Enqueue(byte[] bytes, int length) => Add((null, bytes, length));

    private void Add((string?, byte[]?, int) item)
    {
        try
        {
            _queue.Add(item, _stop.Token);
        }
        catch (OperationCanceledException) when (_task.IsFaulted)
        {
            if (item.Item2 is byte[] bytes) Return(bytes);
            _task.GetAwaiter().GetResult();
        }
        catch
        {
            if (item.Item2 is byte[] bytes) Return(bytes);
            throw;
        }
    }

    /// <summary>Waits until every queued block is on disk; rethrows the writer's failure.</summary>
    public void Finish()
    {
        _queue.CompleteAdding();
        _task.GetAwaiter().GetResult();
    }

    private void Drain()
    {
        try
        {
            foreach (var (tensor, bytes, length) in _queue.GetConsumingEnumerable(_stop.Token))
            {
                if (tensor is not null)
                {
                    _writer.BeginTensor(tensor);
                    continue;
                }
                try { _writer.Write(bytes.AsSpan(0, length)); }
                finally { Return(bytes!); }
                Interlocked.Add(ref _bytesWritten, length);
            }
        }
        catch
        {
            _stop.Cancel();
            throw;
        }
    }

    public void Dispose()
    {
        if (!_queue.IsAddingCompleted) _queue.CompleteAdding();
        _stop.Cancel();
        try { _task.Wait(); } catch (AggregateException) { /* already reported through Finish or the producer's own failure */ }
        while (_queue.TryTake(out var item))
            if (item.Bytes is byte[] bytes) Return(bytes);
        _queue.Dispose();
        _stop.Dispose();
    }
}
