using System.Management.Automation;
using ModelMerge.PipelineTests.Support;

namespace ModelMerge.PipelineTests;

/// <summary>
/// Bad-input catalogue, recipes (11 cases here, 8 in RecipeTests): a mergekit recipe with an
/// error is refused by Invoke-MergeRecipe before any export, with the id, the category and a
/// message that starts at the recipe's file:line:column; a recipe naming a damaged model fails
/// as that model would.
/// <list type="number">
/// <item>a recipe file that does not exist — RecipeUnreadable</item>
/// <item>an empty recipe — RecipeSchema</item>
/// <item>a recipe with neither models nor slices — RecipeSchema</item>
/// <item>two YAML documents in one file — RecipeSchema</item>
/// <item>a dtype a merge cannot compute in (float64) — RecipeDType</item>
/// <item>a slice's layer range backwards — RecipeLayerRange</item>
/// <item>a key the schema does not have, with -Strict — RecipeUnknownKey</item>
/// <item>nesting deeper than the limit — RecipeTooLarge</item>
/// <item>a model entry without a model reference — RecipeModelReference</item>
/// <item>a recipe naming a model whose weight file is cut short — SafetensorsOffsetsOutOfBounds</item>
/// <item>a recipe naming a model that holds a NaN — NonFiniteInput at the export</item>
/// </list>
/// RecipeTests.A_recipe_that_cannot_run_is_refused_before_any_export holds the rest: an unknown merge
/// method, a LoRA reference, a tokenizer source, a misspelt parameter, a missing base path, a
/// missing base_model, a YAML syntax error and a missing parameter.
/// </summary>
public sealed class BadInputCatalogueRecipeTests(ModelFolders models) : IClassFixture<ModelFolders>
{
    private PowerShellSession.Result Refused(string name, string recipe, string errorId, ErrorCategory category, params string[] fragments)
    {
        File.WriteAllText(models.Output(name + ".yml"), recipe);
        return Refusal.OfExport(models, $"Invoke-MergeRecipe ./{name}.yml -Strict", errorId, category, fragments);
    }

    [Fact]
    public void A_recipe_file_that_does_not_exist_is_unreadable()
    {
        Refusal.OfExport(models, "Invoke-MergeRecipe ./no-such-recipe.yml", "RecipeUnreadable", ErrorCategory.ReadError, "no-such-recipe.yml");
    }

    [Fact]
    public void An_empty_recipe_is_refused()
    {
        Refused("empty", "", "RecipeSchema", ErrorCategory.InvalidData, "empty.yml", "the recipe is empty");
    }

    [Fact]
    public void A_recipe_with_neither_models_nor_slices_is_refused()
    {
        Refused("no-models", "merge_method: linear\ndtype: float32\n", "RecipeSchema", ErrorCategory.InvalidData, "no-models.yml:1:1", "needs models");
    }

    [Fact]
    public void Two_yaml_documents_in_one_recipe_are_refused()
    {
        Refused("two-documents", "merge_method: linear\nmodels:\n  - model: ./ft1\n---\nmerge_method: ties\n", "RecipeSchema", ErrorCategory.InvalidData,
            "two-documents.yml:4:", "a second YAML document");
    }

    [Fact]
    public void A_dtype_merges_cannot_compute_in_is_refused()
    {
        Refused("float64", "merge_method: linear\nmodels:\n  - model: ./ft1\n  - model: ./ft2\ndtype: float64\n", "RecipeDType", ErrorCategory.InvalidData,
            "float64.yml:5:", "'float64' is not a dtype a recipe accepts");
    }

    [Fact]
    public void A_backwards_layer_range_is_refused()
    {
        Refused("backwards", "merge_method: passthrough\nslices:\n  - sources:\n      - model: ./ft1\n        layer_range: [2, 0]\n", "RecipeLayerRange",
            ErrorCategory.InvalidData, "backwards.yml:5:", "layer_range");
    }

    [Fact]
    public void An_unknown_key_is_refused_with_Strict()
    {
        Refused("unknown-key", "merge_method: linear\nmodels:\n  - model: ./ft1\n  - model: ./ft2\nnormalise: true\n", "RecipeUnknownKey", ErrorCategory.InvalidData,
            "unknown-key.yml:5:1", "normalise");
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_refused()
    {
        string deep = new string('[', 70) + new string(']', 70);
        Refused("deep", $"merge_method: linear\nmodels: {deep}\n", "RecipeTooLarge", ErrorCategory.InvalidData, "deep.yml:2:", "deeper than 64 levels");
    }

    [Fact]
    public void A_model_entry_without_a_model_reference_is_refused()
    {
        Refused("no-reference", "merge_method: linear\nmodels:\n  - parameters: { weight: 1 }\n", "RecipeModelReference", ErrorCategory.InvalidData,
            "no-reference.yml:3:", "model");
    }

    [Fact]
    public void A_recipe_naming_a_cut_model_fails_as_the_model_would()
    {
        var model = DamagedCheckpoint.CopyOf(models.FineTuned2, models.Output("recipe-cut"));
        model.Truncate(new FileInfo(model.WeightFile).Length - 1000);
        Refused("cut-model", "merge_method: linear\nmodels:\n  - model: ./ft1\n  - model: ./recipe-cut\n", "SafetensorsOffsetsOutOfBounds",
            ErrorCategory.InvalidData, model.WeightFile, "the file may be truncated");
    }

    [Fact]
    public void A_recipe_naming_a_model_with_a_NaN_fails_at_the_export()
    {
        var model = DamagedCheckpoint.CopyOf(models.FineTuned2, models.Output("recipe-nan"))
            .SetElement("model.layers.1.self_attn.v_proj.weight", 65, float.NaN);
        Refused("nan-model", "merge_method: ties\nbase_model: ./base\nmodels:\n  - model: ./ft1\n    parameters: { density: 0.5, weight: 1 }\n"
            + "  - model: ./recipe-nan\n    parameters: { density: 0.5, weight: 1 }\n", "NonFiniteInput", ErrorCategory.InvalidData,
            model.WeightFile, "tensor 'model.layers.1.self_attn.v_proj.weight'", "element 65 [1, 1] is NaN");
    }
}
