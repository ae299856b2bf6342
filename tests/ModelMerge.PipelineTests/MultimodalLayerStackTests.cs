using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using ModelMerge.Formats;
using ModelMerge.Formats.Folders;
using ModelMerge.Formats.Safetensors;
using ModelMerge.PipelineTests.Support;

namespace ModelMerge.PipelineTests;

/// <summary>
/// A layer stack of a LLaVA-style model restacks the language model's layers only and sets
/// text_config.num_hidden_layers; the vision tower and the projector come unchanged from the first
/// slice's model. A model whose stacks do not say which is the language model's is refused.
/// </summary>
public sealed class MultimodalLayerStackTests(ModelFolders models) : IClassFixture<ModelFolders>
{
    private static readonly string[] Llava =
    [
        "language_model.model.embed_tokens.weight",
        .. Enumerable.Range(0, 4).Select(i => $"language_model.model.layers.{i}.mlp.weight"),
        "language_model.model.norm.weight",
        "language_model.lm_head.weight",
        "multi_modal_projector.linear_1.weight",
        "vision_tower.vision_model.embeddings.patch_embedding.weight",
        .. Enumerable.Range(0, 2).Select(i => $"vision_tower.vision_model.encoder.layers.{i}.mlp.weight"),
        "vision_tower.vision_model.post_layernorm.weight",
    ];

    private const string LlavaConfig = """
        { "architectures": ["LlavaForConditionalGeneration"], "model_type": "llava",
          "text_config": { "model_type": "llama", "num_hidden_layers": 4 },
          "vision_config": { "model_type": "clip_vision_model", "num_hidden_layers": 2 } }
        """;

    /// <summary>A folder of 2×2 F32 tensors, each element telling model, tensor and index apart.</summary>
    private string Write(string name, IReadOnlyList<string> tensors, string config, int model)
    {
        string folder = models.Output(name);
        if (Directory.Exists(folder)) return folder;
        Directory.CreateDirectory(folder);
        var outputs = tensors.Select(t => new OutputTensor(t, DType.F32, [2, 2])).ToArray();
        using (var writer = new CheckpointWriter(folder, ShardPlan.Create(outputs, long.MaxValue), new Dictionary<string, string> { ["format"] = "pt" }))
        {
            for (int t = 0; t < outputs.Length; t++)
            {
                writer.BeginTensor(outputs[t].Name);
                writer.Write(MemoryMarshal.AsBytes(Enumerable.Range(0, 4).Select(i => model * 1000f + t * 10 + i).ToArray().AsSpan()));
            }
            writer.Complete();
        }
        File.WriteAllText(Path.Combine(folder, "config.json"), config);
        return folder;
    }

    [Fact]
    public void Only_the_language_models_layers_are_restacked_and_text_config_says_how_many()
    {
        var a = SafetensorsCheckpoint.Open(Write("llava-a", Llava, LlavaConfig, 1));
        var b = SafetensorsCheckpoint.Open(Write("llava-b", Llava, LlavaConfig, 2));
        using var session = new PowerShellSession(models.Root);

        var result = session.Run("@(New-LayerSlice ./llava-a -LayerRange 0,3; New-LayerSlice ./llava-b -LayerRange 1,4) | Join-LayerSlice | Export-Checkpoint ./llava-stack");

        Assert.Empty(result.Errors);
        var stack = SafetensorsCheckpoint.Open(models.Output("llava-stack"));
        Assert.Equal(Llava.Length + 2, stack.Tensors.Count);
        for (int layer = 0; layer < 3; layer++)
            Assert.Equal(StoredValues.Bytes(a, $"language_model.model.layers.{layer}.mlp.weight"), StoredValues.Bytes(stack, $"language_model.model.layers.{layer}.mlp.weight"));
        for (int layer = 3; layer < 6; layer++)
            Assert.Equal(StoredValues.Bytes(b, $"language_model.model.layers.{layer - 2}.mlp.weight"), StoredValues.Bytes(stack, $"language_model.model.layers.{layer}.mlp.weight"));
        Assert.Null(stack.Find("vision_tower.vision_model.encoder.layers.2.mlp.weight"));
        foreach (var name in Llava.Where(n => n.StartsWith("vision_tower.", StringComparison.Ordinal) || n.StartsWith("multi_modal_projector.", StringComparison.Ordinal))
                     .Append("language_model.model.embed_tokens.weight"))
            Assert.Equal(StoredValues.Bytes(a, name), StoredValues.Bytes(stack, name));
        foreach (var name in new[] { "language_model.model.norm.weight", "language_model.lm_head.weight" })
            Assert.Equal(StoredValues.Bytes(b, name), StoredValues.Bytes(stack, name));

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(models.Output("llava-stack"), "config.json")))!.AsObject();
        Assert.Equal(6, config["text_config"]!["num_hidden_layers"]!.GetValue<int>());
        Assert.Equal(2, config["vision_config"]!["num_hidden_layers"]!.GetValue<int>());
        Assert.False(config.ContainsKey("num_hidden_layers"));
    }

    [Fact]
    public void Stacks_of_layers_none_of_which_is_named_the_language_models_are_refused()
    {
        string[] tensors = ["encoder.layers.0.mlp.weight", "encoder.layers.1.mlp.weight", "decoder.layers.0.mlp.weight", "decoder.layers.1.mlp.weight"];
        Write("two-stacks", tensors, """{ "num_hidden_layers": 2 }""", 1);

        Refusal.Of(models, "New-LayerSlice ./two-stacks -LayerRange 0,2 | Join-LayerSlice | Export-Checkpoint ./two-stacks-out", "two-stacks-out",
            "LayerStackAmbiguous", ErrorCategory.InvalidData, "'encoder'", "'decoder'");
    }
}
