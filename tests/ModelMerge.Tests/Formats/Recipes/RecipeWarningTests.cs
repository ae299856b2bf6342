using ModelMerge.Formats.Recipes;

namespace ModelMerge.Tests.Formats.Recipes;

/// <summary>Unknown keys: warned about by default, refused in strict mode (merge-semantics §11, decision 9).</summary>
public sealed class RecipeWarningTests
{
    [Fact]
    public void An_unknown_top_level_key_is_a_warning_with_its_place_and_a_suggestion()
    {
        var recipe = MergeRecipe.Parse("merge_method: linear\nmodels:\n  - model: ./a\ndtyp: bfloat16\nname: my-merge\n");

        Assert.Equal(
            [
                new RecipeWarning(RecipeErrors.UnknownKey, "unknown key 'dtyp' in the recipe is ignored (did you mean 'dtype'?)", new RecipeLocation(4, 1, "dtyp")),
                new RecipeWarning(RecipeErrors.UnknownKey, "unknown key 'name' in the recipe is ignored", new RecipeLocation(5, 1, "name")),
            ],
            recipe.Warnings);
        Assert.Null(recipe.DType);
    }

    [Fact]
    public void A_misspelt_key_in_a_model_entry_is_a_warning()
    {
        var recipe = MergeRecipe.Parse("merge_method: linear\nmodels:\n  - model: ./a\n    paramters: {weight: 2}\n");

        var warning = Assert.Single(recipe.Warnings);
        Assert.Equal(new RecipeLocation(4, 5, "models[0].paramters"), warning.Location);
        Assert.Contains("did you mean 'parameters'?", warning.Message);
        Assert.Equal("4:5 models[0].paramters: " + warning.Message, warning.ToString());
        Assert.Empty(recipe.Models![0].Parameters);
    }

    [Fact]
    public void Strict_reading_refuses_an_unknown_top_level_key()
    {
        var ex = RecipeRefusal.Of("merge_method: linear\nmodels:\n  - model: ./a\nnmae: x\n", RecipeErrors.UnknownKey, 4, 1, "nmae", strict: true);

        Assert.Contains("strict", ex.Reason);
    }

    [Fact]
    public void Strict_reading_refuses_an_unknown_key_deep_down()
    {
        RecipeRefusal.Of("merge_method: linear\nmodels:\n  - model: ./a\n    parameters:\n      weight: [{filter: mlp, value: 1, note: x}]\n",
            RecipeErrors.UnknownKey, 5, 40, "models[0].parameters.weight[0].note", strict: true);
    }

    [Fact]
    public void Parameter_names_are_never_unknown_keys_here()
    {
        var recipe = MergeRecipe.Parse("merge_method: linear\nmodels:\n  - model: ./a\nparameters: {anything: 1}\n", strict: true);

        Assert.Empty(recipe.Warnings);
    }
}
