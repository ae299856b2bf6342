using System.Collections.Concurrent;
using ModelMerge.Formats.Safetensors;

namespace ModelMerge.Plans.Export;

/// <summary>
/// Hands finished blocks of output bytes to one writer thread, so that computing the next
/// block overlaps writing the last; a failure on either side stops the other. Blocks come from
/// <see cref="Rent"/> and go back to this writer's own pool once written: a shared array pool
/// fed on the writer's thread and drawn on the producer's keeps a stock per core, which held
/// a hundred megabytes of idle blocks. Small blocks and tensor starts are gathered into one
/// batch before they are handed over: a checkpoint of a hundred thousand tiny tensors otherwise
/// paid two thread hand-offs per tensor, which cost more than computing it.
/// </summary>
internal sealed class BlockWriter : IDisposable
{
    /// <summary>Blocks queued at most: enough to ride out a slow write, few enough to bound memory (8–16 MB each).</summary>
    private const int BlocksInFlight = 3;

    /// <summary>The queued blocks, the one being written and the one being filled: no more are ever out at once.</summary>
    private const int PooledBlocks = BlocksInFlight + 2;

    /// <summary>Blocks up to this size are copied into the batch rather than queued on their own.</summary>
    private const int SmallBlockBytes = 64 << 10;

    /// <summary>A batch is handed over once it holds this many bytes.</summary>
    private const int BatchBytes = 1 << 20;

    private readonly ConcurrentBag<byte[]> _free = [];

    private readonly CheckpointWriter _writer;
    private readonly BlockingCollection<Block> _queue = new(BlocksInFlight);
    private readonly CancellationTokenSource _stop;
    private readonly Task _task;
    private long _bytesWritten;
    private byte[]? _batch;
    private int _batchLength;
    private List<(int At, string Tensor)> _starts = [];

    public BlockWriter(CheckpointWriter writer, CancellationToken cancellation)
    {
        _writer = writer;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        _task = Task.Factory.StartNew(Drain, TaskCreationOptions.LongRunning);
    }

    public long BytesWritten => Interlocked.Read(ref _bytesWritten);

    public void BeginTensor(string name) => _starts.Add((_batchLength, name));

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

    public void Enqueue(byte[] bytes, int length)
    {
        if (length <= SmallBlockBytes)
        {
            if (_batch is not null && _batchLength + length > _batch.Length) Flush();
            _batch ??= Rent(BatchBytes);
            bytes.AsSpan(0, length).CopyTo(_batch.AsSpan(_batchLength));
            _batchLength += length;
            Return(bytes);
            if (_batchLength >= BatchBytes) Flush();
            return;
        }
        Flush();
        Add(new Block(bytes, length, null));
    }

    /// <summary>Hands over the batch: its bytes, and the tensors that start inside it.</summary>
    private void Flush()
    {
        if (_batch is null && _starts.Count == 0) return;
        var block = new Block(_batch, _batchLength, _starts);
        _batch = null;
        _batchLength = 0;
        _starts = [];
        Add(block);
    }

    private void Add(Block block)
    {
        try
        {
            _queue.Add(block, _stop.Token);
        }
        catch (OperationCanceledException) when (_task.IsFaulted)
        {
            if (block.Bytes is byte[] bytes) Return(bytes);
            _task.GetAwaiter().GetResult();
        }
        catch
        {
            if (block.Bytes is byte[] bytes) Return(bytes);
            throw;
        }
    }

    /// <summary>Waits until every queued block is on disk; rethrows the writer's failure.</summary>
    public void Finish()
    {
        Flush();
        _queue.CompleteAdding();
        _task.GetAwaiter().GetResult();
    }

    private void Drain()
    {
        try
        {
            foreach (var (bytes, length, starts) in _queue.GetConsumingEnumerable(_stop.Token))
            {
                try
                {
                    int written = 0;
                    foreach (var (at, tensor) in starts ?? [])
                    {
                        if (at > written) _writer.Write(bytes.AsSpan(written, at - written));
                        written = at;
                        _writer.BeginTensor(tensor);
                    }
                    if (length > written) _writer.Write(bytes.AsSpan(written, length - written));
                }
                finally
                {
                    if (bytes is not null) Return(bytes);
                }
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
        if (_batch is not null) Return(_batch);
        _queue.Dispose();
        _stop.Dispose();
    }

    /// <param name="Bytes">Null for a batch that holds only tensor starts (empty tensors).</param>
    /// <param name="Starts">Where in the bytes each tensor starts, in order; null for a large block of one tensor.</param>
    private readonly record struct Block(byte[]? Bytes, int Length, List<(int At, string Tensor)>? Starts);
}
