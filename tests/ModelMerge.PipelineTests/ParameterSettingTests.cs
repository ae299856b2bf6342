using ModelMerge.Formats;
using ModelMerge.Formats.Folders;
using ModelMerge.PipelineTests.Support;
using ModelMerge.TestData;

namespace ModelMerge.PipelineTests;

/// <summary>Per-tensor filters and layer gradients as users write them in PowerShell, checked against float64 sums of the stored inputs.</summary>
public sealed class ParameterSettingTests(ModelFolders models) : IClassFixture<ModelFolders>
{
    private const string Attention0 = "model.layers.0.self_attn.q_proj.weight";
    private const string Attention1 = "model.layers.1.self_attn.q_proj.weight";
    private const string Mlp1 = "model.layers.1.mlp.up_proj.weight";
    private const string Norm = "model.norm.weight";

    [Fact]
    public void Linear_weight_filters_pick_each_tensors_weight()
    {
        using var session = new PowerShellSession(models.Root);
        var result = session.Run(
            "Get-Checkpoint ./ft1,./ft2 | Invoke-Merge linear -Weight @{ mlp = 0.6; default = 0.3 }, 1 | Export-Checkpoint ./filtered -DType F32");
        Assert.Empty(result.Errors);

        var output = SafetensorsCheckpoint.Open(models.Output("filtered"));
        // §8.2 R1: mlp tensors weigh 0.6 against 1, everything else 0.3 against 1, normalized.
        AssertCombination(output, Mlp1, 0.6 / 1.6, 1 / 1.6);
        AssertCombination(output, Attention1, 0.3 / 1.3, 1 / 1.3);
        AssertCombination(output, Norm, 0.3 / 1.3, 1 / 1.3);
    }

    [Fact]
    public void Task_vector_weight_gradient_runs_from_the_first_layer_to_the_last()
    {
        using var session = new PowerShellSession(models.Root);
        var result = session.Run(
            "Get-Checkpoint ./base | Get-TaskVector ./ft1 -Weight @{ self_attn = 0, 1; default = 0.5 } | Invoke-TaskArithmetic | Export-Checkpoint ./gradient -DType F32");
        Assert.Empty(result.Errors);

        var output = SafetensorsCheckpoint.Open(models.Output("gradient"));
        // Two layers: t = 0 for layer 0, 1 for layer 1; non-attention tensors take the default.
        AssertTaskArithmetic(output, Attention0, 0.0);
        AssertTaskArithmetic(output, Attention1, 1.0);
        AssertTaskArithmetic(output, Mlp1, 0.5);
        AssertTaskArithmetic(output, "model.embed_tokens.weight", 0.5);
    }

    [Fact]
    public void Overlapping_filters_need_an_ordered_hashtable()
    {
        using var session = new PowerShellSession(models.Root);
        var ambiguous = session.Run("Get-Checkpoint ./base | Get-TaskVector ./ft1 -Weight @{ mlp = 1; up_proj = 0.5; default = 0 } | Invoke-TaskArithmetic");
        var error = Assert.Single(ambiguous.Errors);
        Assert.StartsWith("ParameterFilterAmbiguous", error.FullyQualifiedErrorId);
        Assert.Contains("[ordered]", error.Exception.Message);

        var ordered = session.Run(
            "Get-Checkpoint ./base | Get-TaskVector ./ft1 -Weight ([ordered]@{ up_proj = 0.25; mlp = 1; default = 0 }) | Invoke-TaskArithmetic | Export-Checkpoint ./ordered -DType F32");
        Assert.Empty(ordered.Errors);
        var output = SafetensorsCheckpoint.Open(models.Output("ordered"));
        AssertTaskArithmetic(output, Mlp1, 0.25);
        AssertTaskArithmetic(output, "model.layers.1.mlp.down_proj.weight", 1.0);
        AssertTaskArithmetic(output, Attention1, 0.0);
    }

    [Fact]
    public void Ties_density_per_tensor_gives_each_tensor_the_bytes_of_a_uniform_run_at_its_density()
    {
        using var session = new PowerShellSession(models.Root);
        AssertFilteredRunMatchesUniformRuns(session, "mlp", "Invoke-TiesMerge -Density {0} -Lambda 0.5, 1", "@{ mlp = 0.5; default = 0.2 }", "0.5", "0.2");

        // λ as a gradient: layer 0 at 0.5, layer 1 at 1, so a λ = 1 run differs only in layer 0.
        Assert.Empty(session.Run(Vectors + "Invoke-TiesMerge -Density 0.2 | Export-Checkpoint ./ties-lambda1").Errors);
        var lambdaOne = SafetensorsCheckpoint.Open(models.Output("ties-lambda1"));
        var gradient = SafetensorsCheckpoint.Open(models.Output("uniform-0.2-Invoke-TiesMerge"));
        Assert.Equal(StoredValues.Bytes(lambdaOne, Attention1), StoredValues.Bytes(gradient, Attention1));
        Assert.NotEqual(StoredValues.Bytes(lambdaOne, Attention0), StoredValues.Bytes(gradient, Attention0));
    }

    [Fact]
    public void Dare_density_per_tensor_gives_each_tensor_the_bytes_of_a_uniform_run_at_its_density()
    {
        using var session = new PowerShellSession(models.Root);
        AssertFilteredRunMatchesUniformRuns(session, "self_attn", "Invoke-DareDrop -Density {0} -Seed 9 | Invoke-TiesMerge -Density 1",
            "@{ self_attn = 0.5; default = 0.3 }", "0.5", "0.3");

        var invalid = session.Run(Vectors + "Invoke-DareDrop -Density @{ mlp = 1.5; default = 0.1 }");
        Assert.StartsWith("ParameterInvalid", Assert.Single(invalid.Errors).FullyQualifiedErrorId);
    }

    private const string Vectors = "Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | ";

    /// <summary>
    /// Tensors are merged independently, so a run whose setting is <paramref name="matching"/> on tensors named with
    /// <paramref name="filter"/> and <paramref name="rest"/> elsewhere must equal, tensor for tensor, the two uniform runs.
    /// </summary>
    private void AssertFilteredRunMatchesUniformRuns(PowerShellSession session, string filter, string step, string filtered, string matching, string rest)
    {
        string Export(string setting, string name)
        {
            Assert.Empty(session.Run(Vectors + string.Format(System.Globalization.CultureInfo.InvariantCulture, step, setting) + $" | Export-Checkpoint ./{name}").Errors);
            return models.Output(name);
        }
        string cmdlet = step.Split(' ')[0];
        var mixed = SafetensorsCheckpoint.Open(Export(filtered, $"filtered-{cmdlet}"));
        var whenMatching = SafetensorsCheckpoint.Open(Export(matching, $"uniform-{matching}-{cmdlet}"));
        var otherwise = SafetensorsCheckpoint.Open(Export(rest, $"uniform-{rest}-{cmdlet}"));
        foreach (var tensor in mixed.Tensors.Where(t => t.DType != DType.I64))
        {
            var expected = tensor.Name.Contains(filter, StringComparison.Ordinal) ? whenMatching : otherwise;
            Assert.True(StoredValues.Bytes(expected, tensor.Name).AsSpan().SequenceEqual(StoredValues.Bytes(mixed, tensor.Name)), tensor.Name);
        }
    }

    [Fact]
    public void A_value_that_is_not_a_number_is_refused_by_the_parameter_binder()
    {
        using var session = new PowerShellSession(models.Root);
        var result = session.Run("Get-Checkpoint ./base | Get-TaskVector ./ft1 -Weight @{ mlp = 'heavy' }");
        var error = Assert.Single(result.Errors);
        Assert.Contains("'heavy' is not a number", error.Exception.Message);
    }

    [Fact]
    public void A_required_parameter_without_a_value_for_some_tensor_names_it_before_any_export()
    {
        using var session = new PowerShellSession(models.Root);
        var result = session.Run("Get-Checkpoint ./ft1,./ft2 | Invoke-Merge linear -Weight @{ mlp = 1 }");
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("ParameterMissing", error.FullyQualifiedErrorId);
        Assert.Contains("weight", error.Exception.Message);
        Assert.Empty(models.StagingLeftovers());
    }

    /// <summary>output = wa·ft1 + wb·ft2, within one float32 ulp of float64.</summary>
    private void AssertCombination(SafetensorsCheckpoint output, string tensor, double wa, double wb)
    {
        var a = StoredValues.Floats(SafetensorsCheckpoint.Open(models.FineTuned1), tensor);
        var b = StoredValues.Floats(SafetensorsCheckpoint.Open(models.FineTuned2), tensor);
        var actual = StoredValues.Floats(output, tensor);
        for (int j = 0; j < actual.Length; j++)
            Ulps.AssertWithin(wa * a[j] + wb * b[j], actual[j], tensor, j);
    }

    /// <summary>output = base + w·(ft1 − base), the task vector in float32 as the numerics rules say.</summary>
    private void AssertTaskArithmetic(SafetensorsCheckpoint output, string tensor, double weight)
    {
        var theta = StoredValues.Floats(SafetensorsCheckpoint.Open(models.Base), tensor);
        var fineTuned = StoredValues.Floats(SafetensorsCheckpoint.Open(models.FineTuned1), tensor);
        var actual = StoredValues.Floats(output, tensor);
        for (int j = 0; j < actual.Length; j++)
            Ulps.AssertWithin(theta[j] + weight * (fineTuned[j] - theta[j]), actual[j], tensor, j);
    }
}
