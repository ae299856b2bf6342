using ModelMerge.Formats.Folders;
using ModelMerge.PipelineTests.Support;

namespace ModelMerge.PipelineTests;

/// <summary>merge-semantics §10.3: θ = θ_base + Σ_k C[ℓ, k]·τ_k with a coefficient matrix from arrays or a CSV file.</summary>
public sealed class LayerwiseMergeTests(ModelFolders models) : IClassFixture<ModelFolders>
{
    [Fact]
    public void Each_layer_takes_its_row_and_the_rest_take_the_column_means()
    {
        using var session = new PowerShellSession(models.Root);
        File.WriteAllText(models.Output("coefficients.csv"), "math,code\n0.9,0.1\n0.2,0.8\n");
        var fromArrays = session.Run(
            "Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-LayerwiseMerge -Coefficient @(0.9, 0.1), @(0.2, 0.8) | Export-Checkpoint ./layerwise -DType F32");
        Assert.Empty(fromArrays.Errors);
        var fromFile = session.Run(
            "Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-LayerwiseMerge -CoefficientPath ./coefficients.csv | Export-Checkpoint ./layerwise-csv -DType F32");
        Assert.Empty(fromFile.Errors);
        StoredValues.AssertSameCheckpoint(models.Output("layerwise"), models.Output("layerwise-csv"));

        var output = SafetensorsCheckpoint.Open(models.Output("layerwise"));
        AssertCombination(output, "model.layers.0.mlp.up_proj.weight", 0.9, 0.1);
        AssertCombination(output, "model.layers.1.self_attn.v_proj.weight", 0.2, 0.8);
        AssertCombination(output, "model.embed_tokens.weight", 0.55, 0.45);
    }

    [Fact]
    public void A_row_with_the_wrong_number_of_values_is_refused()
    {
        using var session = new PowerShellSession(models.Root);
        var result = session.Run("Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-LayerwiseMerge -Coefficient @(0.9, 0.1), @(0.2)");
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("ParameterCountMismatch", error.FullyQualifiedErrorId);
        Assert.Contains("row 1", error.Exception.Message);
    }

    private void AssertCombination(SafetensorsCheckpoint output, string tensor, double c1, double c2)
    {
        var theta = StoredValues.Floats(SafetensorsCheckpoint.Open(models.Base), tensor);
        var ft1 = StoredValues.Floats(SafetensorsCheckpoint.Open(models.FineTuned1), tensor);
        var ft2 = StoredValues.Floats(SafetensorsCheckpoint.Open(models.FineTuned2), tensor);
        var actual = StoredValues.Floats(output, tensor);
        for (int j = 0; j < actual.Length; j++)
            Ulps.AssertWithin(theta[j] + c1 * (ft1[j] - theta[j]) + c2 * (ft2[j] - theta[j]), actual[j], tensor, j);
    }
}
