using System.Management.Automation;
using ModelMerge.Formats;
using ModelMerge.PipelineTests.Support;
using ModelMerge.TestData;

namespace ModelMerge.PipelineTests;

/// <summary>
/// Nothing is written by mistake, nothing half-written looks finished, errors say what and where.
/// Four cases of the bad-input catalogue's target family live here: an output that is an input,
/// sits inside one or holds one (OutputIsInput), and an existing output without -Force (OutputExists);
/// the rest are in BadInputCatalogueTargetTests.
/// </summary>
public sealed class SafetyTests(ModelFolders models) : IClassFixture<ModelFolders>
{
    [Fact]
    public void WhatIf_writes_nothing()
    {
        using var session = new PowerShellSession(models.Root);
        var result = session.Run("Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-TiesMerge | Export-Checkpoint ./whatif -WhatIf");
        Assert.Empty(result.Errors);
        Assert.False(Directory.Exists(models.Output("whatif")));
        Assert.Empty(models.StagingLeftovers());
    }

    [Fact]
    public void A_missing_checkpoint_is_an_error_record_with_a_stable_id_and_the_path()
    {
        using var session = new PowerShellSession(models.Root);
        var result = session.Run("Get-Checkpoint ./no-such-model");
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("CheckpointNotFound,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal(models.Output("no-such-model"), error.TargetObject);
        Assert.Contains("no-such-model", error.Exception.Message);
    }

    [Fact]
    public void A_checkpoint_that_cannot_be_opened_stops_a_merge_instead_of_merging_one_model_fewer()
    {
        using var session = new PowerShellSession(models.Root);
        var merged = session.Run("Get-Checkpoint ./nowhere,./ft1 | Invoke-Merge linear | Export-Checkpoint ./one-fewer");
        var error = Assert.Single(merged.Errors);
        Assert.StartsWith("CheckpointNotFound", error.FullyQualifiedErrorId);
        Assert.False(Directory.Exists(models.Output("one-fewer")));

        // Listing alone carries on past the bad path, as Get-Item does.
        var listed = session.Run("$found = Get-Checkpoint ./nowhere,./ft1; $found");
        Assert.Single(listed.Errors);
        Assert.Single(listed.Output);
    }

    [Fact]
    public void A_missing_fine_tune_stops_the_pipeline_before_anything_is_written()
    {
        using var session = new PowerShellSession(models.Root);
        var result = session.Run("Get-Checkpoint ./base | Get-TaskVector ./ft1,./nope | Invoke-TiesMerge | Export-Checkpoint ./never");
        Assert.Contains(result.Errors, e => e.FullyQualifiedErrorId.StartsWith("CheckpointNotFound,", StringComparison.Ordinal));
        Assert.False(Directory.Exists(models.Output("never")));
    }

    [Fact]
    public void An_existing_output_is_refused_without_Force_and_a_folder_of_other_files_even_with_it()
    {
        using var session = new PowerShellSession(models.Root);
        string target = models.Output("existing");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "keep.txt"), "precious");

        var refused = session.Run("Get-Checkpoint ./base | Get-TaskVector ./ft1 | Invoke-TiesMerge | Export-Checkpoint ./existing");
        var error = Assert.Single(refused.Errors);
        Assert.StartsWith("OutputExists,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceExists, error.CategoryInfo.Category);
        Assert.Contains($"'{target}' already exists; use -Force to replace it", error.Exception.Message);
        Assert.Equal("precious", File.ReadAllText(Path.Combine(target, "keep.txt")));
        Assert.Empty(models.StagingLeftovers());

        // -Force replaces an earlier export only (TargetReplacementTests); a folder of someone's files stays.
        var forced = session.Run("Get-Checkpoint ./base | Get-TaskVector ./ft1 | Invoke-TiesMerge | Export-Checkpoint ./existing -Force");
        Assert.StartsWith("OutputNotReplaceable,", Assert.Single(forced.Errors).FullyQualifiedErrorId);
        Assert.Equal(["keep.txt"], Directory.GetFiles(target).Select(Path.GetFileName));
        Assert.Equal("precious", File.ReadAllText(Path.Combine(target, "keep.txt")));
        Assert.Empty(models.StagingLeftovers());
    }

    [Theory]
    [InlineData("./base")]
    [InlineData("./ft1/merged")]
    [InlineData(".")]
    public void An_output_that_is_or_holds_or_sits_in_an_input_is_refused_even_with_Force(string target)
    {
        using var session = new PowerShellSession(models.Root);
        var before = StoredValues.All(models.FineTuned1);
        var result = session.Run($"Get-Checkpoint ./base | Get-TaskVector ./ft1 | Invoke-TiesMerge | Export-Checkpoint {target} -Force");
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("OutputIsInput,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Contains("inputs are never modified, so choose another folder", error.Exception.Message);
        Assert.False(Directory.Exists(Path.Combine(models.FineTuned1, "merged")));
        Assert.Empty(models.StagingLeftovers());
        Assert.Equal(before.Select(t => t.Bytes), StoredValues.All(models.FineTuned1).Select(t => t.Bytes));
    }

    [Fact]
    public void Models_of_different_shapes_are_refused_naming_the_tensor()
    {
        string other = models.Output("wider");
        LlamaCheckpointGenerator.Write(other, new GeneratedModel(LlamaShape.Tiny with { Intermediate = 192 }, DType.BF16, IntegerBuffer: true));
        using var session = new PowerShellSession(models.Root);
        var result = session.Run("Get-Checkpoint ./base | Get-TaskVector ./wider");
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("TensorShapeMismatch,", error.FullyQualifiedErrorId);
        Assert.Contains("model.layers.0.mlp.down_proj.weight", error.Exception.Message);
        Assert.Contains("[64, 176]", error.Exception.Message);
    }

    [Fact]
    public void A_density_that_keeps_nothing_fails_the_export_and_leaves_no_folder()
    {
        using var session = new PowerShellSession(models.Root);
        var result = session.Run("Get-Checkpoint ./base | Get-TaskVector ./ft1 | Invoke-TiesMerge -Density 0.0001 | Export-Checkpoint ./too-sparse");
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("DensityTooSmall,", error.FullyQualifiedErrorId);
        Assert.Contains("model.layers.0.input_layernorm.weight", error.Exception.Message);
        Assert.False(Directory.Exists(models.Output("too-sparse")));
        Assert.Empty(models.StagingLeftovers());
    }

    [Fact]
    public void Stopping_the_pipeline_mid_export_leaves_no_output_and_no_staging_folder()
    {
        StopMidExport("./stopped");
        Assert.False(Directory.Exists(models.Output("stopped")));
        Assert.Empty(models.StagingLeftovers());
    }

    [Fact]
    public void Stopping_an_export_that_replaces_a_folder_leaves_the_old_folder_as_it_was()
    {
        using (var session = new PowerShellSession(models.Root))
            Assert.Empty(session.Run("Get-Checkpoint ./base | Get-TaskVector ./ft1 | Invoke-TaskArithmetic | Export-Checkpoint ./kept").Errors);
        var before = StoredValues.All(models.Output("kept"));
        var files = Directory.GetFiles(models.Output("kept")).Select(Path.GetFileName).Order().ToList();

        StopMidExport("./kept -Force");

        Assert.Equal(files, Directory.GetFiles(models.Output("kept")).Select(Path.GetFileName).Order().ToList());
        var after = StoredValues.All(models.Output("kept"));
        Assert.Equal(before.Select(t => t.Name), after.Select(t => t.Name));
        Assert.All(before.Zip(after), pair => Assert.True(pair.First.Bytes.AsSpan().SequenceEqual(pair.Second.Bytes), pair.First.Name));
        Assert.Empty(models.StagingLeftovers());
    }

    /// <summary>Runs a medium-sized TIES export to <paramref name="target"/> and stops it from inside its progress, surely mid-way.</summary>
    private void StopMidExport(string target)
    {
        string big = models.Output("medium-base");
        string bigFt = models.Output("medium-ft");
        if (!Directory.Exists(big))
        {
            var shape = LlamaShape.Tiny with { Hidden = 512, Intermediate = 1408, Layers = 6, Heads = 8, KeyValueHeads = 4, Vocab = 4096 };
            LlamaCheckpointGenerator.Write(big, new GeneratedModel(shape, DType.BF16));
            LlamaCheckpointGenerator.Write(bigFt, new GeneratedModel(shape, DType.BF16, FineTuneSeed: 3));
        }

        using var session = new PowerShellSession(models.Root);
        using var shell = session.CreateShell();
        shell.AddScript($"Get-Checkpoint ./medium-base | Get-TaskVector ./medium-ft | Invoke-TiesMerge | Export-Checkpoint {target} -ThrottleLimit 1");
        int stopRequested = 0;
        shell.Streams.Progress.DataAdded += (_, e) =>
        {
            if (shell.Streams.Progress[e.Index].PercentComplete > 5 && Interlocked.Exchange(ref stopRequested, 1) == 0)
                shell.BeginStop(null, null);
        };
        var run = shell.BeginInvoke();
        Assert.Throws<PipelineStoppedException>(() => shell.EndInvoke(run));
    }

    [Fact]
    public void Export_reports_progress_in_bytes_and_verbose_says_what_it_did()
    {
        using var session = new PowerShellSession(models.Root);
        var result = session.Run("Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-TiesMerge | Export-Checkpoint ./progress -Verbose");
        Assert.Empty(result.Errors);
        Assert.NotEmpty(result.Progress);
        Assert.All(result.Progress, p => Assert.Equal(result.Progress[0].ActivityId, p.ActivityId));
        Assert.Contains(result.Progress, p => p.StatusDescription.Contains("MB written", StringComparison.Ordinal));
        Assert.Contains(result.Verbose, v => v.StartsWith("Exporting ties (", StringComparison.Ordinal));
        Assert.Contains(result.Verbose, v => v.Contains("Copied config.json", StringComparison.Ordinal));
    }
}
