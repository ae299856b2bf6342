using System.Management.Automation;
using ModelMerge.PipelineTests.Support;

namespace ModelMerge.PipelineTests;

/// <summary>
/// Bad-input catalogue, export targets (3 cases here, 4 in SafetyTests): an output that would
/// overwrite an input, or that cannot be written, is refused before anything is computed.
/// <list type="number">
/// <item>the output is a lone .safetensors input file, even with -Force — OutputIsInput</item>
/// <item>two checkpoints piped to one export — MultipleCheckpoints</item>
/// <item>an output whose parent is a file — WriteFailed</item>
/// </list>
/// SafetyTests holds the rest of the family: an output that is an input folder, sits inside one or
/// holds one (OutputIsInput, three cases), and an existing output without -Force (OutputExists).
/// TargetIdentityTests reaches inputs through links and mounts (OutputIsInput); TargetReplacementTests
/// has what -Force may not replace (OutputNotReplaceable) and a read-only file system (OutputNotWritable).
/// </summary>
public sealed class BadInputCatalogueTargetTests(ModelFolders models) : IClassFixture<ModelFolders>
{
    [Fact]
    public void A_lone_input_file_is_never_the_output_even_with_Force()
    {
        string lone = models.Output("lone.safetensors");
        File.Copy(Path.Combine(models.Base, "model.safetensors"), lone, overwrite: true);
        byte[] before = File.ReadAllBytes(lone);
        Refusal.Of(models, "Get-Checkpoint ./lone.safetensors | Export-Checkpoint ./lone.safetensors -Force", null, "OutputIsInput",
            ErrorCategory.InvalidArgument, $"the output '{lone}' overlaps the input '{lone}'", "inputs are never modified");
        Assert.Equal(before, File.ReadAllBytes(lone));
    }

    [Fact]
    public void Two_checkpoints_piped_to_one_export_are_refused()
    {
        Refusal.Of(models, "Get-Checkpoint ./ft1,./ft2 | Export-Checkpoint ./two-in-one", "two-in-one", "MultipleCheckpoints",
            ErrorCategory.InvalidArgument, "received a second ('ft2')", "merge them first or export each to its own folder");
    }

    [Fact]
    public void An_output_whose_parent_is_a_file_fails_to_write_and_leaves_nothing()
    {
        File.WriteAllText(models.Output("notes.txt"), "not a folder");
        Refusal.Of(models, "Get-Checkpoint ./base | Get-TaskVector ./ft1 | Invoke-TiesMerge | Export-Checkpoint ./notes.txt/merged", null,
            "WriteFailed", ErrorCategory.WriteError, "notes.txt");
        Assert.Equal("not a folder", File.ReadAllText(models.Output("notes.txt")));
    }

    [Theory]
    [InlineData("Variable:/x")]
    [InlineData("Env:/x")]
    [InlineData("Function:/x")]
    public void A_target_on_a_drive_that_is_not_the_file_system_is_refused_and_nothing_is_written(string target)
    {
        Refusal.Of(models, $"Get-Checkpoint ./base | Export-Checkpoint {target}", "x", "NotAFileSystemPath", ErrorCategory.InvalidArgument,
            $"'{target}' is on the", "not the file system");
    }

    [Fact]
    public void A_recipe_on_a_drive_that_is_not_the_file_system_is_refused()
    {
        Refusal.Of(models, "Invoke-MergeRecipe Variable:/recipe", null, "NotAFileSystemPath", ErrorCategory.InvalidArgument, "Variable");
    }
}
