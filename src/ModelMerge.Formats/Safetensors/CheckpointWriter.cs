using System.Text.Json;

namespace ModelMerge.Formats.Safetensors;

/// <summary>
/// Streams tensors, in plan order, into shard files inside <c>folder</c>. Every shard's header
/// is known up front (shapes and types are), so data is written once, sequentially, in large
/// blocks, and a header the reader would refuse (over <see cref="SafetensorsHeader.MaxHeaderBytes"/>)
/// is refused before anything is written. The caller must write exactly the bytes each tensor declares.
/// </summary>
public sealed class CheckpointWriter : IDisposable
{
    private readonly string _folder;
    private readonly ShardPlan _plan;
    private readonly byte[][] _headers;
    private readonly string? _indexProducer;
    private readonly bool _preferDirect;
    private ShardFile? _shard;
    private int _shardIndex = -1;
    private int _tensorInShard = -1;
    private long _remainingInTensor;

    /// <param name="metadata">
    /// The first shard's <c>__metadata__</c>. Later shards carry only its "format" entry, which
    /// Hugging Face loaders check in every file: copying all of it into each shard multiplied a
    /// large metadata map by the shard count.
    /// </param>
    /// <param name="indexProducer">Tool name and version recorded in the index metadata.</param>
    /// <param name="preferDirect">Bypass the page cache where the platform allows (see <see cref="ShardFile"/>).</param>
    public CheckpointWriter(string folder, ShardPlan plan, IReadOnlyDictionary<string, string> metadata, string? indexProducer = null,
        bool preferDirect = true)
    {
        _preferDirect = preferDirect;
        _folder = folder;
        _plan = plan;
        _indexProducer = indexProducer;
        _headers = Headers(folder, plan, metadata);
    }

    /// <summary>Every shard's header, serialized; OutputHeaderTooLarge when one is longer than readers accept.</summary>
    private static byte[][] Headers(string folder, ShardPlan plan, IReadOnlyDictionary<string, string> metadata)
    {
        var later = metadata.TryGetValue("format", out var format) ? new Dictionary<string, string> { ["format"] = format } : [];
        var headers = new byte[plan.Shards.Count][];
        for (int index = 0; index < headers.Length; index++)
        {
            long offset = 0;
            var entries = new List<(string, DType, IReadOnlyList<long>, long, long)>(plan.Shards[index].Count);
            foreach (var t in plan.Shards[index])
            {
                entries.Add((t.Name, t.DType, t.Shape, offset, offset + t.ByteLength));
                offset += t.ByteLength;
            }
            headers[index] = SafetensorsHeader.Serialize(entries, index == 0 ? metadata : later);
            if (headers[index].Length > SafetensorsHeader.MaxHeaderBytes)
                throw new CheckpointFormatException(SafetensorsErrors.OutputHeaderTooLarge, Path.Combine(folder, plan.FileName(index)),
                    $"the header would be {headers[index].Length:N0} bytes ({plan.Shards[index].Count:N0} tensors{(index == 0 && metadata.Count > 1 ? $", {metadata.Count:N0} metadata entries" : "")}); "
                    + $"readers refuse headers over {SafetensorsHeader.MaxHeaderBytes:N0} bytes, so nothing is written. Use a smaller -MaxShardSize to spread "
                    + "the tensors over more shards, or a base whose __metadata__ is smaller.");
        }
        return headers;
    }

    public long BytesWritten { get; private set; }

    /// <summary>The file being written (a shard or the index), so a failure can name it; null before the first.</summary>
    public string? CurrentFile { get; private set; }

    /// <summary>Starts the next tensor of the plan, which must be named <paramref name="name"/>.</summary>
    public void BeginTensor(string name)
    {
        if (_remainingInTensor != 0) throw new InvalidOperationException("the previous tensor is not complete.");
        AdvanceToNextTensor();
        var expected = _plan.Shards[_shardIndex][_tensorInShard];
        if (expected.Name != name)
            throw new InvalidOperationException($"the plan expects tensor '{expected.Name}' next, not '{name}'.");
        _remainingInTensor = expected.ByteLength;
    }

    public void Write(ReadOnlySpan<byte> data)
    {
        if (data.Length > _remainingInTensor)
            throw new InvalidOperationException($"{data.Length} bytes exceed the {_remainingInTensor} the current tensor still needs.");
        _shard!.Write(data);
        _remainingInTensor -= data.Length;
        BytesWritten += data.Length;
    }

    /// <summary>Closes the last shard, flushes it to disk and writes the index when sharded.</summary>
    public void Complete()
    {
        if (_remainingInTensor != 0) throw new InvalidOperationException("the last tensor is not complete.");
        int written = _shardIndex < 0 ? 0 : _tensorInShard + 1;
        bool allWritten = _shardIndex == _plan.Shards.Count - 1 && written == _plan.Shards[_shardIndex].Count
            || _plan.Shards is [{ Count: 0 }];
        if (!allWritten) throw new InvalidOperationException("not every planned tensor was written.");
        if (_shardIndex < 0) OpenShard(0);
        CloseShard();
        if (_plan.Shards.Count > 1) WriteIndex();
    }

    private void AdvanceToNextTensor()
    {
        if (_shardIndex >= 0 && _tensorInShard + 1 < _plan.Shards[_shardIndex].Count)
        {
            _tensorInShard++;
            return;
        }
        int next = _shardIndex + 1;
        while (next < _plan.Shards.Count && _plan.Shards[next].Count == 0) next++;
        if (next >= _plan.Shards.Count) throw new InvalidOperationException("every planned tensor has been written already.");
        CloseShard();
        OpenShard(next);
        _tensorInShard = 0;
    }

    private void OpenShard(int index)
    {
        _shardIndex = index;
        var header = _headers[index];
        long dataBytes = _plan.Shards[index].Sum(t => t.ByteLength);
        CurrentFile = _plan.FileName(index);
        _shard = ShardFile.Create(Path.Combine(_folder, _plan.FileName(index)), 8 + header.Length + dataBytes, _preferDirect);
        Span<byte> length = stackalloc byte[8];
        BitConverter.TryWriteBytes(length, (ulong)header.Length);
        _shard.Write(length);
        _shard.Write(header);
    }

    private void CloseShard()
    {
        if (_shard is null) return;
        _shard.Complete();
        _shard.Dispose();
        _shard = null;
    }

    private void WriteIndex()
    {
        CurrentFile = "model.safetensors.index.json";
        using var stream = new FileStream(Path.Combine(_folder, "model.safetensors.index.json"), FileMode.CreateNew, FileAccess.Write);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteStartObject("metadata");
        json.WriteNumber("total_size", _plan.TotalBytes);
        if (_indexProducer is not null) json.WriteString("modelmerge_version", _indexProducer);
        json.WriteEndObject();
        json.WriteStartObject("weight_map");
        var byName = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (int s = 0; s < _plan.Shards.Count; s++)
            foreach (var t in _plan.Shards[s]) byName[t.Name] = _plan.FileName(s);
        foreach (var (name, file) in byName) json.WriteString(name, file);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>Closes an open shard without completing it; the staging folder's owner discards it.</summary>
    public void Dispose()
    {
        _shard?.Dispose();
        _shard = null;
    }
}
