namespace ModelMerge.Formats.Safetensors;

/// <summary>
/// How output tensors fall into shard files. Hugging Face's rule: append to the current shard;
/// when a tensor would push a non-empty shard past the limit, start a new one first. A single
/// tensor larger than the limit gets a shard of its own.
/// </summary>
public sealed class ShardPlan
{
    /// <summary>Hugging Face's default: 5 GB in decimal bytes.</summary>
    public const long DefaultMaxShardBytes = 5_000_000_000;

    private ShardPlan(IReadOnlyList<IReadOnlyList<OutputTensor>> shards)
    {
        Shards = shards;
        // Summed once: an export reports it with every tensor's progress, and a model may have 100k tensors.
        TotalBytes = shards.Sum(s => s.Sum(t => t.ByteLength));
    }

    public IReadOnlyList<IReadOnlyList<OutputTensor>> Shards { get; }

    public long TotalBytes { get; }

    public static ShardPlan Create(IEnumerable<OutputTensor> tensors, long maxShardBytes)
    {
        if (maxShardBytes <= 0) throw new ArgumentOutOfRangeException(nameof(maxShardBytes), "the shard size limit must be positive.");
        var shards = new List<IReadOnlyList<OutputTensor>>();
        var current = new List<OutputTensor>();
        long currentBytes = 0;
        foreach (var tensor in tensors)
        {
            if (current.Count > 0 && currentBytes + tensor.ByteLength > maxShardBytes)
            {
                shards.Add(current);
                current = [];
                currentBytes = 0;
            }
            current.Add(tensor);
            currentBytes += tensor.ByteLength;
        }
        if (current.Count > 0 || shards.Count == 0) shards.Add(current);
        return new ShardPlan(shards);
    }

    /// <summary>model.safetensors alone; model-00001-of-00003.safetensors and so on when sharded.</summary>
    public string FileName(int shard) =>
        Shards.Count == 1 ? "model.safetensors" : $"model-{shard + 1:D5}-of-{Shards.Count:D5}.safetensors";
}
