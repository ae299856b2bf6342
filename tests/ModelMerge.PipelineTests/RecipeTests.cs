using ModelMerge.Formats;
using ModelMerge.Formats.Folders;
using ModelMerge.PipelineTests.Support;

namespace ModelMerge.PipelineTests;

/// <summary>mergekit recipes (merge-semantics §8.2) run as they are, compared with the same merge typed as cmdlets.</summary>
public sealed class RecipeTests(ModelFolders models) : IClassFixture<ModelFolders>
{
    private string WriteRecipe(string name, string text)
    {
        string path = models.Output(name + ".yml");
        File.WriteAllText(path, text);
        return path;
    }

    private void AssertSameAsCmdlets(string name, string recipe, string pipeline)
    {
        using var session = new PowerShellSession(models.Root);
        WriteRecipe(name, recipe);
        var fromRecipe = session.Run($"Invoke-MergeRecipe ./{name}.yml | Export-Checkpoint ./{name}-recipe");
        Assert.Empty(fromRecipe.Errors);
        var fromCmdlets = session.Run($"{pipeline} | Export-Checkpoint ./{name}-cmdlets");
        Assert.Empty(fromCmdlets.Errors);
        StoredValues.AssertSameCheckpoint(models.Output($"{name}-cmdlets"), models.Output($"{name}-recipe"));
        Assert.Equal(recipe, File.ReadAllText(Path.Combine(models.Output($"{name}-recipe"), "mergekit_config.yml")));
        Assert.Contains("- mergekit\n", File.ReadAllText(Path.Combine(models.Output($"{name}-recipe"), "README.md")));
    }

    [Fact]
    public void R1_linear_soup_with_a_filtered_weight()
    {
        AssertSameAsCmdlets("r1", """
            merge_method: linear
            models:
              - model: ./ft1
                parameters:
                  weight: 1.0
              - model: ./ft2
                parameters:
                  weight:
                    - filter: mlp
                      value: 0.6
                    - value: 0.3
              - model: ./base
                parameters:
                  weight: 0.5
            parameters:
              normalize: true
            dtype: float32
            """,
            "Get-Checkpoint ./ft1,./ft2,./base | Invoke-Merge linear -Weight 1, ([ordered]@{ mlp = 0.6; default = 0.3 }), 0.5 -Normalize | Export-Checkpoint ./r1-f32 -DType F32 -PassThru");
    }

    [Fact]
    public void R2_slerp_with_layer_gradients_per_filter()
    {
        AssertSameAsCmdlets("r2", """
            merge_method: slerp
            base_model: ./ft1
            models:
              - model: ./ft1
              - model: ./ft2
            parameters:
              t:
                - filter: self_attn
                  value: [0, 0.5, 0.3, 0.7, 1]
                - filter: mlp
                  value: [1, 0.5, 0.7, 0.3, 0]
                - value: 0.5
            """,
            "Get-Checkpoint ./ft2 | Invoke-Merge slerp -Base ./ft1 -T ([ordered]@{ self_attn = 0, 0.5, 0.3, 0.7, 1; mlp = 1, 0.5, 0.7, 0.3, 0; default = 0.5 })");
    }

    [Fact]
    public void R3_ties_with_per_model_density_and_weight_gradients()
    {
        AssertSameAsCmdlets("r3", """
            merge_method: ties
            base_model: ./base
            models:
              - model: ./ft1
                parameters:
                  density: [0.7, 0.3]
                  weight: 1.0
              - model: ./ft2
                parameters:
                  density: 0.5
                  weight: [0.2, 0.6]
            parameters:
              normalize: true
              lambda: 1.0
              int8_mask: true
            """,
            "Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 -Weight 1, @{ default = 0.2, 0.6 } | Invoke-Merge ties -Density @{ default = 0.7, 0.3 }, 0.5 -Parameter @{ int8_mask = $true }");
    }

    [Fact]
    public void R4_dare_ties_computes_and_writes_the_out_dtype()
    {
        using var session = new PowerShellSession(models.Root);
        AssertSameAsCmdlets("r4", """
            merge_method: dare_ties
            base_model: ./base
            models:
              - model: ./ft1
                parameters: { density: 0.5, weight: 0.5 }
              - model: ./ft2
                parameters: { density: 0.5, weight: 0.5 }
            parameters:
              rescale: true
              normalize: false
            dtype: float32
            out_dtype: float16
            """,
            "Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 -Weight 0.5 | Invoke-Merge dare_ties -Density 0.5 | Export-Checkpoint ./r4-f16 -DType F16 -PassThru");
        var written = SafetensorsCheckpoint.Open(models.Output("r4-recipe"));
        Assert.All(written.Tensors.Where(t => t.DType != DType.I64), t => Assert.Equal(DType.F16, t.DType));
        Assert.Contains("\"torch_dtype\": \"float16\"", File.ReadAllText(Path.Combine(models.Output("r4-recipe"), "config.json")));
    }

    [Fact]
    public void R5_passthrough_slices_stack_layers_with_damped_projections()
    {
        AssertSameAsCmdlets("r5", """
            merge_method: passthrough
            slices:
              - sources:
                  - model: ./ft1
                    layer_range: [0, 2]
              - sources:
                  - model: ./ft2
                    layer_range: [1, 2]
                    parameters:
                      scale:
                        - filter: o_proj
                          value: 0.5
                        - filter: down_proj
                          value: 0.5
                        - value: 1.0
            """,
            "@(New-LayerSlice ./ft1 0,2; New-LayerSlice ./ft2 1,2 -Scale ([ordered]@{ o_proj = 0.5; down_proj = 0.5; default = 1 })) | Join-LayerSlice");
        Assert.Contains("\"num_hidden_layers\": 3", File.ReadAllText(Path.Combine(models.Output("r5-recipe"), "config.json")));
    }

    [Fact]
    public void A_slices_recipe_over_every_layer_equals_the_models_recipe()
    {
        using var session = new PowerShellSession(models.Root);
        WriteRecipe("whole", """
            merge_method: slerp
            base_model: ./ft1
            models: [{ model: ./ft1 }, { model: ./ft2 }]
            parameters: { t: [0.2, 0.9] }
            """);
        WriteRecipe("sliced", """
            merge_method: slerp
            base_model: ./ft1
            slices:
              - sources:
                  - { model: ./ft1, layer_range: [0, 2] }
                  - { model: ./ft2, layer_range: [0, 2] }
            parameters: { t: [0.2, 0.9] }
            """);
        Assert.Empty(session.Run("Invoke-MergeRecipe ./whole.yml | Export-Checkpoint ./whole-out").Errors);
        Assert.Empty(session.Run("[System.IO.File]::ReadAllText(\"$PWD/sliced.yml\") | Invoke-MergeRecipe | Export-Checkpoint ./sliced-out").Errors);
        StoredValues.AssertSameCheckpoint(models.Output("whole-out"), models.Output("sliced-out"));
    }

    [Theory]
    [InlineData("merge_method: frankenmerge\nmodels:\n  - model: ./ft1\n", "UnknownMergeMethod", "1:")]
    [InlineData("merge_method: linear\nmodels:\n  - model: ./ft1+./adapter\n", "RecipeUnsupported", "LoRA")]
    [InlineData("merge_method: ties\nbase_model: ./base\nmodels:\n  - model: ./ft1\ntokenizer_source: union\n", "RecipeUnsupported", "tokenizer")]
    [InlineData("merge_method: ties\nbase_model: ./base\nmodels:\n  - model: ./ft1\n    parameters:\n      densty: 0.5\n", "RecipeUnknownParameter", "densty")]
    [InlineData("merge_method: ties\nbase_model: ./nowhere\nmodels:\n  - model: ./ft1\n", "CheckpointNotFound", "nowhere")]
    [InlineData("merge_method: ties\nmodels:\n  - model: ./ft1\n", "BaseModelRequired", "base")]
    [InlineData("merge_method: [ties\n", "RecipeSyntax", "1:")]
    [InlineData("merge_method: slerp\nbase_model: ./ft1\nmodels:\n  - model: ./ft1\n  - model: ./ft2\n", "ParameterMissing", "t for")]
    public void A_recipe_that_cannot_run_is_refused_before_any_export(string recipe, string errorId, string fragment)
    {
        using var session = new PowerShellSession(models.Root);
        WriteRecipe("bad", recipe);
        var result = session.Run("Invoke-MergeRecipe ./bad.yml -Strict | Export-Checkpoint ./bad-out");
        var error = Assert.Single(result.Errors);
        Assert.StartsWith(errorId, error.FullyQualifiedErrorId);
        Assert.Contains(fragment, error.Exception.Message);
        Assert.False(Directory.Exists(models.Output("bad-out")));
        Assert.Empty(models.StagingLeftovers());
    }

    [Fact]
    public void Without_strict_an_unused_parameter_is_a_warning_naming_it()
    {
        using var session = new PowerShellSession(models.Root);
        WriteRecipe("loose", "merge_method: linear\nmodels:\n  - model: ./ft1\n    parameters: { weight: 1, densty: 0.5 }\n");
        using var shell = session.CreateShell();
        shell.AddScript("Invoke-MergeRecipe ./loose.yml");
        Assert.Single(shell.Invoke());
        Assert.Contains(shell.Streams.Warning, w => w.Message.Contains("densty", StringComparison.Ordinal));
    }
}
