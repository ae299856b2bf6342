using System.Buffers.Binary;
using System.Text.Json;
using ModelMerge.Formats;
using ModelMerge.Formats.Folders;
using ModelMerge.Formats.Safetensors;
using ModelMerge.TestData;

namespace ModelMerge.Tests.Formats;

/// <summary>Folders written by <see cref="CheckpointWriter"/> and read back through <see cref="SafetensorsCheckpoint"/>.</summary>
public sealed class CheckpointWriterTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    // Byte lengths: 4*3*2 = 24, 2*5*4 = 40, 3*8 = 24, 5*2 = 10, 2*2*4 = 16; 114 in all.
    private static readonly OutputTensor[] Tensors =
    [
        new("model.embed_tokens.weight", DType.BF16, [4, 3]),
        new("model.layers.0.mlp.weight", DType.F32, [2, 5]),
        new("model.position_ids", DType.I64, [3]),
        new("model.norm.weight", DType.F16, [5]),
        new("lm_head.weight", DType.F32, [2, 2]),
    ];

    private const long TotalBytes = 114;

    private static readonly Dictionary<string, string> PtMetadata = new() { ["format"] = "pt" };

    /// <summary>Distinct bytes per tensor, so a value read from the wrong place cannot match.</summary>
    private static byte[] Content(int tensor, long length)
    {
        var bytes = new byte[length];
        for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)(i * 37 + tensor * 101 + 7);
        return bytes;
    }

    private string WriteFolder(long maxShardBytes, string? producer = null)
    {
        string folder = _folder.CreateFolder("out");
        var plan = ShardPlan.Create(Tensors, maxShardBytes);
        using var writer = new CheckpointWriter(folder, plan, PtMetadata, producer);
        for (int t = 0; t < Tensors.Length; t++)
        {
            writer.BeginTensor(Tensors[t].Name);
            var content = Content(t, Tensors[t].ByteLength);
            // Two writes per tensor: the writer must not assume one call per tensor.
            writer.Write(content.AsSpan(0, content.Length / 2));
            writer.Write(content.AsSpan(content.Length / 2));
        }
        writer.Complete();
        return folder;
    }

    [Fact]
    public void Single_shard_is_model_safetensors_without_an_index()
    {
        string folder = WriteFolder(ShardPlan.DefaultMaxShardBytes);

        Assert.Equal(["model.safetensors"], Directory.GetFiles(folder).Select(Path.GetFileName));
    }

    [Fact]
    public void Single_shard_reads_back_byte_identical()
    {
        string folder = WriteFolder(ShardPlan.DefaultMaxShardBytes);

        var checkpoint = SafetensorsCheckpoint.Open(folder);

        AssertHoldsExactly(checkpoint);
        Assert.Equal("pt", checkpoint.Metadata["format"]);
    }

    [Fact]
    public void Small_shard_limit_writes_numbered_shards_and_an_index()
    {
        // Limit 48: 24 | 40 (24 + 40 > 48) | 24 + 10 | 16 (34 + 16 > 48): four shards.
        string folder = WriteFolder(48);

        Assert.Equal(
            ["model-00001-of-00004.safetensors", "model-00002-of-00004.safetensors", "model-00003-of-00004.safetensors",
             "model-00004-of-00004.safetensors", "model.safetensors.index.json"],
            Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Sharded_folder_reads_back_byte_identical()
    {
        string folder = WriteFolder(48);

        var checkpoint = SafetensorsCheckpoint.Open(folder);

        AssertHoldsExactly(checkpoint);
        Assert.Equal(4, checkpoint.Files.Count);
        Assert.Equal("model-00003-of-00004.safetensors", Path.GetFileName(checkpoint.Find("model.norm.weight")!.FilePath));
    }

    [Fact]
    public void Index_records_total_size_and_where_each_tensor_is()
    {
        string folder = WriteFolder(48, producer: "ModelMerge 9.9.9");

        using var index = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "model.safetensors.index.json")));

        var metadata = index.RootElement.GetProperty("metadata");
        Assert.Equal(TotalBytes, metadata.GetProperty("total_size").GetInt64());
        Assert.Equal("ModelMerge 9.9.9", metadata.GetProperty("modelmerge_version").GetString());
        var weightMap = index.RootElement.GetProperty("weight_map").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        Assert.Equal(new Dictionary<string, string?>
        {
            ["model.embed_tokens.weight"] = "model-00001-of-00004.safetensors",
            ["model.layers.0.mlp.weight"] = "model-00002-of-00004.safetensors",
            ["model.position_ids"] = "model-00003-of-00004.safetensors",
            ["model.norm.weight"] = "model-00003-of-00004.safetensors",
            ["lm_head.weight"] = "model-00004-of-00004.safetensors",
        }, weightMap);
    }

    [Fact]
    public void Every_shard_keeps_the_metadata_and_pads_its_header_to_8_bytes()
    {
        string folder = WriteFolder(48);
        long[] dataBytes = [24, 40, 34, 16];

        for (int s = 0; s < 4; s++)
        {
            string shard = Path.Combine(folder, $"model-0000{s + 1}-of-00004.safetensors");
            byte[] file = File.ReadAllBytes(shard);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
            Assert.Equal(0UL, headerLength % 8);
            Assert.Equal(8 + (long)headerLength + dataBytes[s], file.LongLength);
            using var json = JsonDocument.Parse(file.AsMemory(8, (int)headerLength));
            Assert.Equal("pt", json.RootElement.GetProperty("__metadata__").GetProperty("format").GetString());
        }
    }

    [Fact]
    public void Generated_llama_folder_reads_back_the_generator_values_rounded_to_bf16()
    {
        var model = new GeneratedModel(LlamaShape.Tiny, DType.BF16, MaxShardBytes: 100_000, IntegerBuffer: true);
        string folder = LlamaCheckpointGenerator.Write(_folder.Combine("llama"), model);

        var checkpoint = SafetensorsCheckpoint.Open(folder);

        Assert.True(checkpoint.Files.Count > 1);
        Assert.Equal(LlamaShape.Tiny.Tensors().Count + 1, checkpoint.Tensors.Count);
        foreach (var info in checkpoint.Tensors)
        {
            using var tensor = TensorReader.Open(info);
            if (info.DType == DType.I64)
            {
                var positions = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(tensor.Bytes(0, (int)info.ByteLength)).ToArray();
                Assert.Equal(Enumerable.Range(0, 16).Select(i => (long)i), positions);
                continue;
            }
            var values = new float[info.ElementCount];
            tensor.ReadSingles(0, values);
            for (int i = 0; i < values.Length; i++)
            {
                double expected = ReferenceRounding.DecodeBFloat16(ReferenceRounding.ToBFloat16Bits(LlamaCheckpointGenerator.Value(model, info.Name, i)));
                if (values[i] != expected) Assert.Fail($"{info.Name}[{i}] is {values[i]}, expected {expected}");
            }
        }
    }

    [Fact]
    public void Empty_plan_writes_a_valid_file_without_tensors()
    {
        string folder = _folder.CreateFolder("empty");
        using (var writer = new CheckpointWriter(folder, ShardPlan.Create([], 100), PtMetadata)) writer.Complete();

        var header = SafetensorsHeader.Read(Path.Combine(folder, "model.safetensors"));

        Assert.Empty(header.Tensors);
        Assert.Equal("pt", header.Metadata["format"]);
    }

    [Fact]
    public void Tensors_out_of_plan_order_are_refused()
    {
        using var writer = new CheckpointWriter(_folder.CreateFolder("order"), ShardPlan.Create(Tensors, 1000), PtMetadata);

        var ex = Assert.Throws<InvalidOperationException>(() => writer.BeginTensor("lm_head.weight"));

        Assert.Contains("model.embed_tokens.weight", ex.Message);
    }

    [Fact]
    public void Writing_more_bytes_than_the_tensor_declares_is_refused()
    {
        using var writer = new CheckpointWriter(_folder.CreateFolder("overrun"), ShardPlan.Create(Tensors, 1000), PtMetadata);
        writer.BeginTensor("model.embed_tokens.weight");

        Assert.Throws<InvalidOperationException>(() => writer.Write(new byte[25]));
    }

    [Fact]
    public void Completing_before_every_tensor_is_written_is_refused()
    {
        using var writer = new CheckpointWriter(_folder.CreateFolder("short"), ShardPlan.Create(Tensors, 1000), PtMetadata);
        writer.BeginTensor("model.embed_tokens.weight");
        writer.Write(new byte[24]);

        Assert.Throws<InvalidOperationException>(() => writer.Complete());
    }

    private static void AssertHoldsExactly(SafetensorsCheckpoint checkpoint)
    {
        Assert.Equal(Tensors.Length, checkpoint.Tensors.Count);
        for (int t = 0; t < Tensors.Length; t++)
        {
            var info = checkpoint.Find(Tensors[t].Name);
            Assert.NotNull(info);
            Assert.Equal(Tensors[t].DType, info.DType);
            Assert.Equal(Tensors[t].Shape, info.Shape);
            using var tensor = TensorReader.Open(info);
            Assert.Equal(Content(t, Tensors[t].ByteLength), tensor.Bytes(0, (int)info.ByteLength).ToArray());
        }
    }

    [Fact]
    public void Metadata_goes_into_the_first_shard_and_later_shards_carry_only_the_format()
    {
        string folder = _folder.CreateFolder("metadata");
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["notes"] = new string('m', 5000) };
        var plan = ShardPlan.Create(Tensors, 40);
        using (var writer = new CheckpointWriter(folder, plan, metadata))
        {
            for (int t = 0; t < Tensors.Length; t++)
            {
                writer.BeginTensor(Tensors[t].Name);
                writer.Write(Content(t, Tensors[t].ByteLength));
            }
            writer.Complete();
        }

        Assert.True(plan.Shards.Count > 2);
        Assert.Equal(metadata, SafetensorsHeader.Read(Path.Combine(folder, plan.FileName(0))).Metadata);
        for (int s = 1; s < plan.Shards.Count; s++)
            Assert.Equal(new Dictionary<string, string> { ["format"] = "pt" }, SafetensorsHeader.Read(Path.Combine(folder, plan.FileName(s))).Metadata);
    }

    [Fact]
    public void A_header_longer_than_readers_accept_is_refused_before_a_file_is_written()
    {
        string folder = _folder.CreateFolder("oversized");
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["notes"] = new string('m', (int)SafetensorsHeader.MaxHeaderBytes) };

        var refusal = Assert.Throws<CheckpointFormatException>(() => new CheckpointWriter(folder, ShardPlan.Create(Tensors, 40), metadata));

        Assert.Equal(SafetensorsErrors.OutputHeaderTooLarge, refusal.ErrorId);
        Assert.Contains("model-00001-of-", refusal.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder));
    }
}
