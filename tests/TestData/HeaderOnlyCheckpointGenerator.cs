using System.Text.Json;
using ModelMerge.Formats.Safetensors;

namespace ModelMerge.TestData;

/// <summary>
/// Writes Hugging Face llama folders whose shards hold real headers and have their full length,
/// but no data: after the header each file is only extended (a sparse file), so the 29 shards of
/// a 70B model's 138 GB take about 120 KB of disk and milliseconds to write. Readers accept them
/// as real checkpoints, since a header is checked against the file's length, not its contents;
/// every tensor reads as zeros. For what only looks at headers: building pipelines, listing tensors.
/// </summary>
public static class HeaderOnlyCheckpointGenerator
{
    public static string Write(string folder, GeneratedModel model)
    {
        Directory.CreateDirectory(folder);
        var plan = ShardPlan.Create(LlamaCheckpointGenerator.Specs(model), model.MaxShardBytes);
        for (int shard = 0; shard < plan.Shards.Count; shard++)
            WriteShard(Path.Combine(folder, plan.FileName(shard)), plan.Shards[shard]);
        if (plan.Shards.Count > 1) WriteIndex(folder, plan);
        LlamaCheckpointGenerator.WriteCompanions(folder, model);
        return folder;
    }

    private static void WriteShard(string path, IReadOnlyList<OutputTensor> tensors)
    {
        var entries = new List<(string, Formats.DType, IReadOnlyList<long>, long, long)>(tensors.Count);
        long offset = 0;
        foreach (var tensor in tensors)
        {
            entries.Add((tensor.Name, tensor.DType, tensor.Shape, offset, offset + tensor.ByteLength));
            offset += tensor.ByteLength;
        }
        var header = SafetensorsHeader.Serialize(entries, new Dictionary<string, string> { ["format"] = "pt" });
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        file.Write(BitConverter.GetBytes((ulong)header.Length));
        file.Write(header);
        // Extending past what was written leaves a hole: no blocks are allocated for the data.
        file.SetLength(8 + header.Length + offset);
    }

    private static void WriteIndex(string folder, ShardPlan plan)
    {
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (int shard = 0; shard < plan.Shards.Count; shard++)
            foreach (var tensor in plan.Shards[shard]) weightMap[tensor.Name] = plan.FileName(shard);
        var index = new { metadata = new { total_size = plan.TotalBytes }, weight_map = weightMap };
        File.WriteAllText(Path.Combine(folder, "model.safetensors.index.json"),
            JsonSerializer.Serialize(index, new JsonSerializerOptions { WriteIndented = true }));
    }
}
