using ModelMerge.Formats.Recipes;

namespace ModelMerge.Tests.Formats.Recipes;

/// <summary>Model references in both forms of merge-semantics §8.1, and the rules a string reference obeys.</summary>
public sealed class ModelReferenceTests
{
    private static ModelReference FirstModel(string reference) =>
        MergeRecipe.Parse($"merge_method: linear\nmodels:\n  - model: {reference}\n").Models![0].Model;

    [Theory]
    [InlineData("org/model", "org/model", null, null, null)]
    [InlineData("./local/ft-chat", "./local/ft-chat", null, null, null)]
    [InlineData("org/model@main", "org/model", "main", null, null)]
    [InlineData("org/model+org/adapter", "org/model", null, "org/adapter", null)]
    [InlineData("org/model@v1.2+./adapters/chat@abc123", "org/model", "v1.2", "./adapters/chat", "abc123")]
    [InlineData("org/model+org/adapter@20240101", "org/model", null, "org/adapter", "20240101")]
    public void String_reference_splits_into_path_revision_and_lora(string text, string path, string? revision, string? lora, string? loraRevision)
    {
        var reference = FirstModel(text);

        Assert.Equal(new ModelReference(path, revision, lora, loraRevision), reference);
        Assert.Equal(text, reference.ToString());
        Assert.Equal(lora is not null, reference.HasLora);
    }

    [Fact]
    public void Mapping_reference_reads_model_lora_and_override_architecture()
    {
        var recipe = MergeRecipe.Parse("""
            merge_method: linear
            models:
              - model:
                  model: {path: org/base, revision: main}
                  lora: {path: org/adapter, revision: r2}
                  override_architecture: MistralForCausalLM
            """);

        Assert.Equal(new ModelReference("org/base", "main", "org/adapter", "r2", "MistralForCausalLM"), recipe.Models![0].Model);
    }

    [Fact]
    public void Mapping_reference_takes_the_path_at_revision_shorthand_and_numbers_as_text()
    {
        var recipe = MergeRecipe.Parse("""
            merge_method: linear
            base_model: {model: {path: org/base, revision: 20240101}}
            models:
              - model: {model: org/ft@v3, lora: org/adapter}
            """);

        Assert.Equal(new ModelReference("org/base", "20240101"), recipe.BaseModel);
        Assert.Equal(new ModelReference("org/ft", "v3", "org/adapter"), recipe.Models![0].Model);
    }

    [Fact]
    public void References_are_equal_by_what_they_name()
    {
        Assert.Equal(ModelReference.Parse("org/m@main+org/l"), new ModelReference("org/m", "main", "org/l"));
        Assert.NotEqual(ModelReference.Parse("org/m@main"), ModelReference.Parse("org/m"));
        Assert.NotEqual(new ModelReference("org/m"), new ModelReference("org/m", OverrideArchitecture: "LlamaForCausalLM"));
    }

    [Theory]
    [InlineData("org/a+org/b+org/c", "2 '+'")]
    [InlineData("org/a@v1@v2", "2 '@'")]
    [InlineData("org/a+org/b@r1@r2", "the LoRA part")]
    [InlineData("'@main'", "model path is empty")]
    [InlineData("org/a@", "model revision after '@' is empty")]
    [InlineData("+org/lora", "model path is empty")]
    [InlineData("org/a+", "LoRA path is empty")]
    public void Malformed_string_reference_is_refused_where_it_is_written(string text, string why)
    {
        var ex = RecipeRefusal.Of($"merge_method: linear\nmodels:\n  - model: {text}\n", RecipeErrors.ModelReference, 3, 12, "models[0].model");

        Assert.Contains(why, ex.Message);
    }

    [Fact]
    public void Mapping_reference_without_model_is_refused_at_the_mapping()
    {
        var ex = RecipeRefusal.Of("merge_method: linear\nbase_model:\n  lora: org/adapter\nmodels:\n  - model: ./a\n",
            RecipeErrors.ModelReference, 3, 3, "base_model");

        Assert.Contains("needs 'model'", ex.Message);
    }

    [Fact]
    public void Mapping_reference_with_an_empty_path_is_refused_at_the_path()
    {
        RecipeRefusal.Of("merge_method: linear\nmodels:\n  - model: {model: {path: ''}}\n", RecipeErrors.ModelReference, 3, 27, "models[0].model.model.path");
    }

    [Fact]
    public void A_plus_inside_the_mapping_forms_path_is_refused()
    {
        var ex = RecipeRefusal.Of("merge_method: linear\nmodels:\n  - model: {model: org/a+org/b}\n", RecipeErrors.ModelReference, 3, 20, "models[0].model.model");

        Assert.Contains("lora key", ex.Message);
    }

    [Fact]
    public void A_list_is_not_a_model_reference()
    {
        RecipeRefusal.Of("merge_method: linear\nmodels:\n  - model: [a, b]\n", RecipeErrors.ModelReference, 3, 12, "models[0].model");
    }

    [Fact]
    public void A_model_entry_without_model_is_refused()
    {
        var ex = RecipeRefusal.Of("merge_method: linear\nmodels:\n  - parameters: {weight: 1}\n", RecipeErrors.ModelReference, 3, 5, "models[0]");

        Assert.Contains("needs 'model'", ex.Message);
    }

    [Fact]
    public void Parse_outside_a_recipe_throws_a_format_exception()
    {
        Assert.Throws<FormatException>(() => ModelReference.Parse("a+b+c"));
        Assert.Equal(new ModelReference("a", "b"), ModelReference.Parse("a@b"));
    }
}
