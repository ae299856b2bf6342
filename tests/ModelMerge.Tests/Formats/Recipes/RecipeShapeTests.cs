using ModelMerge.Formats.Recipes;

namespace ModelMerge.Tests.Formats.Recipes;

/// <summary>The top-level rules of merge-semantics §8.1: what must be there, what excludes what, dtype names.</summary>
public sealed class RecipeShapeTests
{
    [Fact]
    public void Merge_method_is_required()
    {
        var ex = RecipeRefusal.Of("models:\n  - model: ./a\n", RecipeErrors.Schema, 1, 1, "");

        Assert.Contains("needs 'merge_method'", ex.Reason);
    }

    [Theory]
    [InlineData("merge_method:\nmodels: [{model: ./a}]\n", 1, 1, "merge_method", "has no value")]
    [InlineData("merge_method: [linear]\nmodels: [{model: ./a}]\n", 1, 15, "merge_method", "found a list")]
    [InlineData("merge_method: ' '\nmodels: [{model: ./a}]\n", 1, 15, "merge_method", "empty")]
    public void Merge_method_must_be_a_name(string yaml, int line, int column, string path, string why)
    {
        Assert.Contains(why, RecipeRefusal.Of(yaml, RecipeErrors.Schema, line, column, path).Reason);
    }

    [Fact]
    public void Text_without_a_source_name_is_reported_as_recipe()
    {
        var ex = Assert.Throws<RecipeException>(() => MergeRecipe.Parse("merge_method: linear\n"));

        Assert.StartsWith("recipe:1:1: ", ex.Message);
        Assert.Equal(MergeRecipe.DefaultSourceName, ex.SourceName);
    }

    [Fact]
    public void Method_and_parameter_names_are_not_checked_here()
    {
        var recipe = MergeRecipe.Parse("merge_method: no_such_method\nmodels: [{model: ./a, parameters: {no_such_parameter: 1}}]\n");

        Assert.Equal("no_such_method", recipe.MergeMethod);
        Assert.Empty(recipe.Warnings);
    }

    [Fact]
    public void Models_and_slices_together_are_refused_at_the_later_key()
    {
        var ex = RecipeRefusal.Of("merge_method: linear\nslices:\n  - sources: [{model: ./a, layer_range: [0, 1]}]\nmodels:\n  - model: ./a\n",
            RecipeErrors.Schema, 4, 1, "models");

        Assert.Contains("cannot both be given", ex.Reason);
    }

    [Fact]
    public void Neither_models_nor_slices_is_refused()
    {
        var ex = RecipeRefusal.Of("merge_method: linear\nbase_model: ./a\n", RecipeErrors.Schema, 1, 1, "");

        Assert.Contains("needs models", ex.Reason);
    }

    [Fact]
    public void Empty_models_list_is_refused()
    {
        RecipeRefusal.Of("merge_method: linear\nmodels: []\n", RecipeErrors.Schema, 2, 9, "models");
    }

    [Fact]
    public void A_bare_string_is_not_a_model_entry()
    {
        var ex = RecipeRefusal.Of("merge_method: linear\nmodels:\n  - ./a\n", RecipeErrors.Schema, 3, 5, "models[0]");

        Assert.Contains("- model: <reference>", ex.Reason);
    }

    [Fact]
    public void Modules_are_refused_as_not_supported_yet()
    {
        var ex = RecipeRefusal.Of("merge_method: linear\nmodules:\n  text:\n    models: [{model: ./a}]\n", RecipeErrors.Unsupported, 2, 1, "modules");

        Assert.Contains("modules are not supported yet", ex.Reason);
    }

    [Theory]
    [InlineData("bfloat16", "bfloat16")]
    [InlineData("float16", "float16")]
    [InlineData("float32", "float32")]
    [InlineData("torch.bfloat16", "bfloat16")]
    [InlineData("torch.float32", "float32")]
    public void Dtype_names_are_normalized(string written, string expected)
    {
        var recipe = MergeRecipe.Parse($"merge_method: linear\nmodels: [{{model: ./a}}]\ndtype: {written}\nout_dtype: {written}\n");

        Assert.Equal(expected, recipe.DType);
        Assert.Equal(expected, recipe.OutDType);
    }

    [Theory]
    [InlineData("dtype", "bf16")]
    [InlineData("dtype", "float64")]
    [InlineData("dtype", "BFloat16")]
    [InlineData("out_dtype", "torch.int8")]
    [InlineData("out_dtype", "torch.")]
    public void Other_dtype_names_are_refused(string key, string name)
    {
        var ex = RecipeRefusal.Of($"merge_method: linear\nmodels: [{{model: ./a}}]\n{key}: {name}\n", RecipeErrors.DType, 3, key.Length + 3, key);

        Assert.Contains("use bfloat16, float16 or float32", ex.Reason);
    }

    [Fact]
    public void A_list_as_dtype_is_a_dtype_error()
    {
        RecipeRefusal.Of("merge_method: linear\nmodels: [{model: ./a}]\ndtype: [bfloat16]\n", RecipeErrors.DType, 3, 8, "dtype");
    }

    [Fact]
    public void Null_optional_keys_read_as_absent()
    {
        var recipe = MergeRecipe.Parse("merge_method: linear\nbase_model: ~\nmodels: [{model: ./a, parameters: ~}]\nparameters:\ndtype: null\ntokenizer:\n");

        Assert.Null(recipe.BaseModel);
        Assert.Empty(recipe.Models![0].Parameters);
        Assert.Empty(recipe.Parameters);
        Assert.Null(recipe.DType);
        Assert.Null(recipe.Tokenizer);
    }
}
