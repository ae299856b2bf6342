using System.Text.Json.Nodes;
using ModelMerge.Formats;
using ModelMerge.Formats.Folders;

namespace ModelMerge.Tests.Formats;

/// <summary>config.json read once for everything taken from it: the hub id for the card, the rewrite for the export.</summary>
public sealed class ModelConfigTests
{
    [Fact]
    public void Name_or_path_is_the_string_the_config_names()
    {
        var config = ModelConfig.Parse("""{"_name_or_path": "meta-llama/Llama-2-7b-hf", "hidden_size": 64}""", "config.json");

        Assert.Equal("meta-llama/Llama-2-7b-hf", config.NameOrPath);
    }

    [Theory]
    [InlineData("""{"hidden_size": 64}""")]
    [InlineData("""{"_name_or_path": null}""")]
    [InlineData("""{"_name_or_path": ["org/model"]}""")]
    public void Name_or_path_that_is_absent_or_not_a_string_is_null(string text)
    {
        Assert.Null(ModelConfig.Parse(text, "config.json").NameOrPath);
    }

    [Theory]
    [InlineData("""{"_name_or_path": "\ud800"}""")]   // the model card's hub id read threw InvalidOperationException and failed the export
    [InlineData("""{"_name_or_path": "org/a", "_name_or_path": "org/b"}""")]
    public void Name_or_path_of_an_invalid_config_is_refused_as_config_invalid(string text)
    {
        var ex = Assert.Throws<CheckpointFormatException>(() => ModelConfig.Parse(text, "config.json"));

        Assert.Equal(CheckpointErrors.ConfigInvalid, ex.ErrorId);
        Assert.Equal("config.json", ex.Path);
    }

    [Fact]
    public void Text_holding_an_unpaired_surrogate_is_refused()
    {
        var ex = Assert.Throws<CheckpointFormatException>(() => ModelConfig.Parse("{\"a\": \"\ud800\"}", "config.json"));

        Assert.Equal(CheckpointErrors.ConfigInvalid, ex.ErrorId);
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_refused()
    {
        string deep = "{\"a\": " + new string('[', ModelConfig.MaxDepth) + new string(']', ModelConfig.MaxDepth) + "}";

        var ex = Assert.Throws<CheckpointFormatException>(() => ModelConfig.Parse(deep, "config.json"));

        Assert.Equal(CheckpointErrors.ConfigInvalid, ex.ErrorId);
    }

    [Fact]
    public void Rewriting_sets_the_dtype_and_the_changes_and_leaves_the_config_as_read()
    {
        var config = ModelConfig.Parse("""{"num_hidden_layers": 32, "torch_dtype": "float32"}""", "config.json");

        var first = JsonNode.Parse(config.Rewritten(DType.BF16, new Dictionary<string, long> { ["num_hidden_layers"] = 48 }))!;
        var second = JsonNode.Parse(config.Rewritten(null))!;

        Assert.Equal("bfloat16", (string)first["torch_dtype"]!);
        Assert.Equal(48, (long)first["num_hidden_layers"]!);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"num_hidden_layers": 32, "torch_dtype": "float32"}"""), second));
    }
}
