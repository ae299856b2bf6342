using ModelMerge.Formats.Folders;
using ModelMerge.Methods;
using ModelMerge.PipelineTests.Support;

namespace ModelMerge.PipelineTests;

/// <summary>One recipe per registered method, typed as a user types it, run end to end on generated checkpoints.</summary>
public sealed class MethodRecipeTests(ModelFolders models) : IClassFixture<ModelFolders>
{
    private const string Vectors = "Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 -Weight 0.6,0.4 | ";

    /// <summary>Each method's pipeline; every registered method must have one.</summary>
    public static TheoryData<string, string> Recipes => new()
    {
        { "linear", "Get-Checkpoint ./ft1,./ft2 | Invoke-Merge linear -Weight 0.6,0.4" },
        { "slerp", "Get-Checkpoint ./ft2 | Invoke-Merge slerp -Base ./ft1 -T @{ self_attn = 0.2, 0.7; default = 0.3 }" },
        { "nuslerp", "Get-Checkpoint ./ft1,./ft2 | Invoke-Merge nuslerp -Base ./base -Weight 1,2" },
        { "multislerp", Vectors + "Invoke-Merge multislerp" },
        { "karcher", "Get-Checkpoint ./ft1,./ft2 | Invoke-Merge karcher -Base ./base -MaxIterations 20" },
        { "task_arithmetic", Vectors + "Invoke-Merge task_arithmetic -Lambda 0.8" },
        { "ties", Vectors + "Invoke-Merge ties -Density 0.5" },
        { "dare_linear", Vectors + "Invoke-Merge dare_linear -Density 0.5 -Seed 3" },
        { "dare_ties", Vectors + "Invoke-Merge dare_ties -Density 0.5 -Seed 3" },
        { "breadcrumbs", Vectors + "Invoke-Merge breadcrumbs -Density 0.8 -Gamma 0.05" },
        { "breadcrumbs_ties", Vectors + "Invoke-Merge breadcrumbs_ties -Density 0.8 -Gamma 0.05" },
        { "della", Vectors + "Invoke-Merge della -Density 0.5 -Epsilon 0.1 -Seed 3" },
        { "della_linear", Vectors + "Invoke-Merge della_linear -Density 0.5 -Epsilon 0.1 -Seed 3" },
        { "model_stock", "Get-Checkpoint ./ft1,./ft2 | Invoke-Merge model_stock -Base ./base" },
        { "sce", Vectors + "Invoke-Merge sce -SelectTopK 0.5" },
        { "passthrough", "Get-Checkpoint ./ft1 | Invoke-Merge passthrough -Scale @{ o_proj = 0.5; default = 1 }" },
        { "nearswap", "Get-Checkpoint ./ft1 | Invoke-Merge nearswap -Base ./base -T 0.001" },
        { "arcee_fusion", "Get-Checkpoint ./ft1 | Invoke-Merge arcee_fusion -Base ./base" },
        { "ram", Vectors + "Invoke-Merge ram" },
        { "ramplus_tl", Vectors + "Invoke-Merge ramplus_tl -Parameter @{ r = 0.2; alpha = 0.3 }" },
    };

    [Fact]
    public void Every_registered_method_has_a_recipe_here()
    {
        var covered = Recipes.Select(row => (string)row[0]).ToHashSet();
        Assert.DoesNotContain(MergeMethods.Names, name => !covered.Contains(name));
    }

    [Theory]
    [MemberData(nameof(Recipes))]
    public void Recipe_runs_end_to_end_and_changes_the_weights_it_should(string method, string pipeline)
    {
        using var session = new PowerShellSession(models.Root);
        string output = $"./recipe-{method}";
        var result = session.Run($"{pipeline} | Export-Checkpoint {output} -DType F32");
        Assert.Empty(result.Errors);

        var merged = SafetensorsCheckpoint.Open(models.Output($"recipe-{method}"));
        var inputs = new[] { models.Base, models.FineTuned1, models.FineTuned2 }.Select(SafetensorsCheckpoint.Open).ToList();
        Assert.Equal(inputs[0].Tensors.Select(t => t.Name), merged.Tensors.Select(t => t.Name));
        const string tensor = "model.layers.1.self_attn.o_proj.weight";
        var values = StoredValues.Floats(merged, tensor);
        Assert.All(values, v => Assert.True(float.IsFinite(v)));
        // A merge that silently copied one of its inputs would pass everything above.
        foreach (var input in inputs) Assert.NotEqual(StoredValues.Floats(input, tensor), values);
        Assert.Empty(models.StagingLeftovers());
    }

    [Theory]
    [InlineData("dare_ties")]
    [InlineData("della")]
    public void Random_methods_give_the_same_bytes_on_any_thread_count(string method)
    {
        using var session = new PowerShellSession(models.Root);
        string recipe = Recipes.Single(row => (string)row[0] == method)[1].ToString()!;
        Assert.Empty(session.Run($"{recipe} | Export-Checkpoint ./threads1-{method} -ThrottleLimit 1").Errors);
        Assert.Empty(session.Run($"{recipe} | Export-Checkpoint ./threads2-{method} -ThrottleLimit 2").Errors);
        StoredValues.AssertSameCheckpoint(models.Output($"threads1-{method}"), models.Output($"threads2-{method}"));
    }

    [Fact]
    public void Slerp_matches_a_float64_computation_of_the_stored_tensors()
    {
        using var session = new PowerShellSession(models.Root);
        Assert.Empty(session.Run("Get-Checkpoint ./ft2 | Invoke-Merge slerp -Base ./ft1 -T 0.3 | Export-Checkpoint ./slerp64 -DType F32").Errors);

        const string tensor = "model.layers.0.mlp.gate_proj.weight";
        var v0 = StoredValues.Floats(SafetensorsCheckpoint.Open(models.FineTuned1), tensor);
        var v1 = StoredValues.Floats(SafetensorsCheckpoint.Open(models.FineTuned2), tensor);
        var actual = StoredValues.Floats(SafetensorsCheckpoint.Open(models.Output("slerp64")), tensor);
        double n0 = Math.Sqrt(v0.Sum(x => (double)x * x)), n1 = Math.Sqrt(v1.Sum(x => (double)x * x));
        double c = v0.Zip(v1, (a, b) => (double)a * b).Sum() / (n0 * n1);
        Assert.True(Math.Abs(c) <= 0.9995, "the fine-tunes are meant to be far enough apart for the spherical branch");
        double omega = Math.Acos(c), t = 0.3;
        double s0 = Math.Sin((1 - t) * omega) / Math.Sin(omega), s1 = Math.Sin(t * omega) / Math.Sin(omega);
        for (int j = 0; j < actual.Length; j++)
            Ulps.AssertWithin(s0 * v0[j] + s1 * v1[j], actual[j], tensor, j, ulps: 2);
    }

    [Theory]
    [InlineData("Get-Checkpoint ./ft1 | Invoke-Merge ties", "BaseModelRequired")]
    [InlineData("Get-Checkpoint ./ft1,./ft2 | Invoke-Merge slerp -Base ./base -T 0.5", "ModelCountMismatch")]
    [InlineData("Get-Checkpoint ./ft1 | Invoke-Merge slerp -Base ./base", "ParameterMissing")]
    [InlineData("Get-Checkpoint ./ft1 | Invoke-Merge passthrough -Base ./base", "BaseModelNotUsed")]
    [InlineData("Get-Checkpoint ./ft1 | Invoke-Merge frankenstein", "UnknownMergeMethod")]
    [InlineData("Get-Checkpoint ./base | Get-TaskVector ./ft1 | Invoke-Merge ties -Base ./ft2", "BaseMismatch")]
    public void A_request_the_method_cannot_do_is_refused_before_any_export(string pipeline, string errorId)
    {
        using var session = new PowerShellSession(models.Root);
        var result = session.Run($"{pipeline} | Export-Checkpoint ./refused");
        var error = Assert.Single(result.Errors);
        Assert.StartsWith(errorId, error.FullyQualifiedErrorId);
        Assert.False(Directory.Exists(models.Output("refused")));
        Assert.Empty(models.StagingLeftovers());
    }

    [Fact]
    public void Verbose_names_every_setting_in_force_and_the_tensors_carried_unchanged()
    {
        using var session = new PowerShellSession(models.Root);
        var result = session.Run(Vectors + "Invoke-Merge ties -Density 0.4 -Verbose");
        Assert.Empty(result.Errors);
        Assert.Contains(result.Verbose, v => v.Contains("density = 0.4", StringComparison.Ordinal) && v.Contains("normalize = 1 (default)", StringComparison.Ordinal));
        Assert.Contains(result.Verbose, v => v.Contains("model.position_ids (I64)", StringComparison.Ordinal));
    }

    [Fact]
    public void A_parameter_the_method_does_not_read_is_a_warning()
    {
        using var session = new PowerShellSession(models.Root);
        using var shell = session.CreateShell();
        shell.AddScript("Get-Checkpoint ./ft1,./ft2 | Invoke-Merge linear -Parameter @{ t = 0.5 }");
        shell.Invoke();
        Assert.Contains(shell.Streams.Warning, w => w.Message.Contains("parameter t is not used by linear", StringComparison.Ordinal));
    }
}
