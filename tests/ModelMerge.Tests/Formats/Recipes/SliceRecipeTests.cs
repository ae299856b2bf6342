using ModelMerge.Formats.Recipes;
using static ModelMerge.Tests.Formats.Recipes.ExpectedRecipe;

namespace ModelMerge.Tests.Formats.Recipes;

/// <summary>Output slices and layer ranges (merge-semantics §7.4).</summary>
public sealed class SliceRecipeTests
{
    /// <summary>One slice with one source whose layer_range is <paramref name="range"/>, starting at 5:22.</summary>
    private static string WithRange(string range) =>
        $"merge_method: passthrough\nslices:\n  - sources:\n      - model: ./a\n        layer_range: {range}\n";

    [Fact]
    public void A_slice_reads_its_own_base_model_parameters_and_source_parameters()
    {
        var recipe = MergeRecipe.Parse("""
            merge_method: slerp
            base_model: ./a
            slices:
              - sources:
                  - model: ./a
                    layer_range: [0, 16]
                  - model: ./b
                    layer_range: [8, 24.0]
                    parameters: {weight: 0.3}
                base_model: ./b
                parameters:
                  t: [0, 1]
            """);

        Assert.Equal(
            RecipeList.Create<RecipeSlice>([new RecipeSlice(
                [Source("./a", 0, 16), Source("./b", 8, 24, ("weight", Number(0.3)))],
                Model("./b"),
                Settings(("t", Gradient(0, 1))))]),
            recipe.Slices);
        Assert.Equal(16, recipe.Slices![0].LayerCount);
        Assert.Empty(recipe.Warnings);
    }

    [Fact]
    public void Residual_weight_is_kept_and_flagged_as_unused()
    {
        var recipe = MergeRecipe.Parse(
            "merge_method: passthrough\nslices:\n  - sources:\n      - model: ./a\n        layer_range: [0, 4]\n    residual_weight: 0.5\n",
            strict: true);

        Assert.Equal(0.5, recipe.Slices![0].ResidualWeight);
        var warning = Assert.Single(recipe.Warnings);
        Assert.Equal(RecipeErrors.UnusedKey, warning.Id);
        Assert.Equal(new RecipeLocation(6, 5, "slices[0].residual_weight"), warning.Location);
        Assert.Contains("no effect", warning.Message);
    }

    [Theory]
    [InlineData("[10, 5]", 5, 22, "slices[0].sources[0].layer_range", "is empty")]
    [InlineData("[4, 4]", 5, 22, "slices[0].sources[0].layer_range", "is empty")]
    [InlineData("[0]", 5, 22, "slices[0].sources[0].layer_range", "found 1")]
    [InlineData("[0, 8, 16]", 5, 22, "slices[0].sources[0].layer_range", "found 3")]
    [InlineData("0-8", 5, 22, "slices[0].sources[0].layer_range", "found the text '0-8'")]
    [InlineData("{start: 0, end: 8}", 5, 22, "slices[0].sources[0].layer_range", "found a mapping")]
    [InlineData("[0, 1.5]", 5, 26, "slices[0].sources[0].layer_range[1]", "not a whole number")]
    [InlineData("[-1, 8]", 5, 23, "slices[0].sources[0].layer_range[0]", "out of range")]
    [InlineData("[0, 1e12]", 5, 26, "slices[0].sources[0].layer_range[1]", "out of range")]
    [InlineData("[0, 123456789012345678901234567890]", 5, 26, "slices[0].sources[0].layer_range[1]", "out of range")]
    [InlineData("[0, eight]", 5, 26, "slices[0].sources[0].layer_range[1]", "expected a layer index")]
    [InlineData("[0, .inf]", 5, 26, "slices[0].sources[0].layer_range[1]", "finite")]
    public void Malformed_layer_ranges_are_refused(string range, int line, int column, string path, string why)
    {
        var ex = RecipeRefusal.Of(WithRange(range), RecipeErrors.LayerRange, line, column, path);

        Assert.Contains(why, ex.Reason);
    }

    [Fact]
    public void A_source_without_layer_range_is_refused()
    {
        var ex = RecipeRefusal.Of("merge_method: passthrough\nslices:\n  - sources:\n      - model: ./a\n", RecipeErrors.LayerRange, 4, 9, "slices[0].sources[0]");

        Assert.Contains("needs 'layer_range'", ex.Reason);
    }

    [Fact]
    public void Sources_of_one_slice_spanning_different_layer_counts_are_refused_at_the_odd_one()
    {
        var ex = RecipeRefusal.Of("""
            merge_method: linear
            slices:
              - sources:
                  - {model: ./a, layer_range: [0, 8]}
              - sources:
                  - {model: ./a, layer_range: [8, 24]}
                  - {model: ./b, layer_range: [0, 12]}
            """, RecipeErrors.LayerRange, 7, 35, "slices[1].sources[1].layer_range");

        Assert.Contains("spans 12 layers but the slice's first source spans 16", ex.Reason);
    }

    [Fact]
    public void A_slice_without_sources_is_refused()
    {
        RecipeRefusal.Of("merge_method: passthrough\nslices:\n  - sources: []\n", RecipeErrors.Schema, 3, 14, "slices[0].sources");
        RecipeRefusal.Of("merge_method: passthrough\nslices:\n  - base_model: ./a\n", RecipeErrors.Schema, 3, 5, "slices[0]");
    }

    [Fact]
    public void Residual_weight_must_be_a_number()
    {
        RecipeRefusal.Of("merge_method: passthrough\nslices:\n  - sources: [{model: ./a, layer_range: [0, 1]}]\n    residual_weight: half\n",
            RecipeErrors.Schema, 4, 22, "slices[0].residual_weight");
    }
}
