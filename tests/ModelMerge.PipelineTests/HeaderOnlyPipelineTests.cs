using ModelMerge.Formats;
using ModelMerge.Formats.Safetensors;
using ModelMerge.PipelineTests.Support;
using ModelMerge.Plans.Handles;
using ModelMerge.TestData;

namespace ModelMerge.PipelineTests;

/// <summary>
/// Building a pipeline reads headers only: ten steps over four Llama-2-70B-shaped checkpoints
/// (138 GB each, sparse files holding nothing but headers) give the 70B's tensors and read none of them.
/// </summary>
public sealed class HeaderOnlyPipelineTests : IDisposable
{
    /// <summary>Llama-2-70B's parameter count as published with the model (68.98B).</summary>
    private const long Llama2_70BParameters = 68_976_648_192;

    /// <summary>
    /// Past a header, the pages a header read may bring in with it: the kernel reads ahead of a
    /// small read by a few pages (four on ext4 here). Reads within this window go unseen, so the
    /// first mebibyte of each shard's first tensor is the one place a read could hide.
    /// </summary>
    private const long ReadaheadAllowance = 1 << 20;

    private static readonly string[] ModelNames = ["base", "ft1", "ft2", "ft3"];

    private readonly string _root = Path.Combine(Path.GetTempPath(), "mm-headers-" + Guid.NewGuid().ToString("N")[..8]);

    public HeaderOnlyPipelineTests()
    {
        for (int i = 0; i < ModelNames.Length; i++)
            HeaderOnlyCheckpointGenerator.Write(Path.Combine(_root, ModelNames[i]),
                new GeneratedModel(LlamaShape.Llama2_70B, DType.BF16, BaseSeed: 1, FineTuneSeed: i == 0 ? null : (ulong)i));
    }

    [Fact]
    public void Ten_steps_over_70B_headers_give_the_70B_tensors_and_read_no_tensor_data()
    {
        using var session = new PowerShellSession(_root);
        var result = session.Run("""
            $merged = Get-Checkpoint ./base |
                Get-TaskVector ./ft1,./ft2,./ft3 |
                Invoke-DareDrop -Density 0.5 -Seed 7 |
                Invoke-TiesMerge -Density 1 |
                Invoke-Merge slerp -Base ./ft1 -T 0.3 |
                Get-TaskVector ./ft2,./ft3 |
                Invoke-Merge della -Density 0.5 -Epsilon 0.1 -Seed 3 |
                Get-TaskVector ./ft1,./ft3 |
                Invoke-TaskArithmetic -Lambda 0.8
            $merged | Export-Checkpoint ./merged -WhatIf
            $merged
            """);

        Assert.Empty(result.Errors);
        var merged = Assert.IsType<CheckpointHandle>(Assert.Single(result.Output).BaseObject);
        Assert.False(merged.IsStored);
        Assert.Equal(Llama2_70BNamesInWriteOrder(), merged.Tensors.Select(t => t.Name));
        foreach (var tensor in merged.Tensors) Assert.Equal(Llama2_70BShape(tensor.Name), tensor.Shape);
        Assert.Equal([DType.BF16], merged.DTypes);
        Assert.Equal(Llama2_70BParameters, merged.ParameterCount);
        Assert.False(Directory.Exists(Path.Combine(_root, "merged")), "Export-Checkpoint -WhatIf wrote the output.");

        if (!OperatingSystem.IsLinux()) return;
        var shards = ModelNames.SelectMany(m => Directory.GetFiles(Path.Combine(_root, m), "*.safetensors")).ToList();
        Assert.Equal(ModelNames.Length * 29, shards.Count); // 138 GB in shards of at most 5 GB, as Hugging Face splits it
        Assert.Empty(shards.Select(s => (Shard: s, PagesRead: ResidentDataPages(s))).Where(s => s.PagesRead > 0));
        AssertReadingATensorShowsInItsPages(shards[1]);
    }

    /// <summary>A read through the exporter's own path makes pages resident: the check above can see one.</summary>
    private static void AssertReadingATensorShowsInItsPages(string shard)
    {
        var header = SafetensorsHeader.Read(shard);
        var tensor = header.Tensors[header.Tensors.Count / 2];
        var values = new float[1 << 16];
        using (var reader = TensorReader.Open(tensor)) reader.ReadSingles(0, values);
        Assert.All(values, v => Assert.Equal(0f, v));
        Assert.True(ResidentDataPages(shard) > 0, "reading a tensor left no resident page: this file system hides reads from mincore.");
    }

    private static long ResidentDataPages(string shard)
    {
        long dataStart = SafetensorsHeader.Read(shard).DataStart + ReadaheadAllowance;
        return ResidentPages.Count(shard, dataStart, new FileInfo(shard).Length - dataStart);
    }

    /// <summary>Embeddings, the 80 blocks by number (each block's tensors by name), then lm_head and the final norm.</summary>
    private static IEnumerable<string> Llama2_70BNamesInWriteOrder()
    {
        string[] block =
        [
            "input_layernorm", "mlp.down_proj", "mlp.gate_proj", "mlp.up_proj", "post_attention_layernorm",
            "self_attn.k_proj", "self_attn.o_proj", "self_attn.q_proj", "self_attn.v_proj",
        ];
        yield return "model.embed_tokens.weight";
        for (int layer = 0; layer < 80; layer++)
            foreach (var tensor in block) yield return $"model.layers.{layer}.{tensor}.weight";
        yield return "lm_head.weight";
        yield return "model.norm.weight";
    }

    /// <summary>Hidden 8192, MLP 28672, vocabulary 32000; keys and values have 8 heads of 128 (grouped-query attention).</summary>
    private static long[] Llama2_70BShape(string name) => name.Split('.')[^2] switch
    {
        "embed_tokens" or "lm_head" => [32000, 8192],
        "input_layernorm" or "post_attention_layernorm" or "norm" => [8192],
        "q_proj" or "o_proj" => [8192, 8192],
        "k_proj" or "v_proj" => [1024, 8192],
        "gate_proj" or "up_proj" => [28672, 8192],
        "down_proj" => [8192, 28672],
        _ => throw new ArgumentException($"not a Llama-2-70B tensor: {name}"),
    };

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
