using System.Text.Json.Nodes;
using ModelMerge.Formats;
using ModelMerge.Formats.Folders;
using ModelMerge.PipelineTests.Support;
using ModelMerge.TestData;

namespace ModelMerge.PipelineTests;

/// <summary>Passthrough layer stacks (merge-semantics §7.4 and recipe R5) built from slices of generated models.</summary>
public sealed class LayerStackTests(ModelFolders models) : IClassFixture<ModelFolders>
{
    [Fact]
    public void Stack_renumbers_layers_takes_ends_from_the_outer_slices_and_writes_the_layer_count()
    {
        using var session = new PowerShellSession(models.Root);
        var result = session.Run("""
            $slices = @(
                New-LayerSlice ./ft1 -LayerRange 0,2
                Get-Checkpoint ./ft2 | New-LayerSlice -LayerRange 1,2 -Scale @{ o_proj = 0.5; down_proj = 0.5; default = 1 }
            )
            $slices | Join-LayerSlice | Export-Checkpoint ./stack
            """);
        Assert.Empty(result.Errors);

        var stack = SafetensorsCheckpoint.Open(models.Output("stack"));
        var a = SafetensorsCheckpoint.Open(models.FineTuned1);
        var b = SafetensorsCheckpoint.Open(models.FineTuned2);
        int perLayer = LlamaShape.Tiny.Tensors().Count(t => t.Name.Contains(".layers.0.", StringComparison.Ordinal));
        Assert.Equal(a.Tensors.Count + perLayer, stack.Tensors.Count);

        // Output layers 0-1 are A's own; output layer 2 is B's layer 1, with o_proj and down_proj halved.
        foreach (var suffix in new[] { "self_attn.q_proj.weight", "mlp.up_proj.weight", "input_layernorm.weight" })
        {
            Assert.Equal(StoredValues.Bytes(a, $"model.layers.1.{suffix}"), StoredValues.Bytes(stack, $"model.layers.1.{suffix}"));
            Assert.Equal(StoredValues.Bytes(b, $"model.layers.1.{suffix}"), StoredValues.Bytes(stack, $"model.layers.2.{suffix}"));
        }
        foreach (var suffix in new[] { "self_attn.o_proj.weight", "mlp.down_proj.weight" })
        {
            var source = StoredValues.Floats(b, $"model.layers.1.{suffix}");
            var halved = StoredValues.Floats(stack, $"model.layers.2.{suffix}");
            // Halving is exact in bf16 (only the exponent changes) for all but the tiniest values.
            for (int j = 0; j < source.Length; j++) Assert.Equal(source[j] * 0.5f, halved[j]);
        }
        Assert.Equal(StoredValues.Bytes(a, "model.embed_tokens.weight"), StoredValues.Bytes(stack, "model.embed_tokens.weight"));
        Assert.Equal(StoredValues.Bytes(b, "model.norm.weight"), StoredValues.Bytes(stack, "model.norm.weight"));
        Assert.Equal(StoredValues.Bytes(b, "lm_head.weight"), StoredValues.Bytes(stack, "lm_head.weight"));

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(models.Output("stack"), "config.json")))!;
        Assert.Equal(3, config["num_hidden_layers"]!.GetValue<int>());
        Assert.Equal(3, session.Run("(Get-Checkpoint ./stack).Tensors | Where-Object Name -like '*.self_attn.q_proj.weight'").Output.Count);
    }

    [Fact]
    public void The_same_layer_twice_is_written_twice_and_the_stack_merges_like_any_checkpoint()
    {
        using var session = new PowerShellSession(models.Root);
        var result = session.Run("""
            $stack = @(New-LayerSlice ./base 0,2; New-LayerSlice ./base 1,2) | Join-LayerSlice
            $tuned = @(New-LayerSlice ./ft1 0,2; New-LayerSlice ./ft1 1,2) | Join-LayerSlice
            Get-TaskVector -Base $stack $tuned | Invoke-TaskArithmetic | Export-Checkpoint ./stack-merged -DType F32
            """);
        Assert.Empty(result.Errors);

        var merged = SafetensorsCheckpoint.Open(models.Output("stack-merged"));
        var ft1 = SafetensorsCheckpoint.Open(models.FineTuned1);
        // base + (ft1 − base) in float64 gives back ft1 exactly.
        Assert.Equal(StoredValues.Floats(ft1, "model.layers.1.mlp.gate_proj.weight"), StoredValues.Floats(merged, "model.layers.2.mlp.gate_proj.weight"));
        Assert.Equal(StoredValues.Floats(ft1, "model.layers.1.mlp.gate_proj.weight"), StoredValues.Floats(merged, "model.layers.1.mlp.gate_proj.weight"));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(models.Output("stack-merged"), "config.json")))!;
        Assert.Equal(3, config["num_hidden_layers"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("0,3")]
    [InlineData("1,1")]
    [InlineData("-1,1")]
    public void A_range_outside_the_model_is_an_error_naming_it(string range)
    {
        using var session = new PowerShellSession(models.Root);
        var result = session.Run($"New-LayerSlice ./ft1 -LayerRange {range} | Join-LayerSlice");
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("LayerRangeInvalid", error.FullyQualifiedErrorId);
        Assert.Contains("ft1", error.Exception.Message);
    }
}
