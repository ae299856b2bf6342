using System.Management.Automation;

namespace ModelMerge.PipelineTests.Support;

/// <summary>
/// The bad-input catalogue's one check: a user's script fails with one error record whose id,
/// category and message say what is wrong, where and why — and leaves no output folder and no
/// staging folder behind, so nothing half-made can be mistaken for a checkpoint.
/// The catalogue is one class per family, each listing its cases: BadInputCatalogueFileTests (16),
/// ...FolderTests (11), ...ModelTests (7), ...ValueTests (11), ...TargetTests (3, and 4 in SafetyTests),
/// ...RecipeTests (11, and 8 in RecipeTests).
/// </summary>
public static class Refusal
{
    /// <summary>Runs <paramref name="pipeline"/> piped to an export into a fresh folder; returns the run for further checks.</summary>
    public static PowerShellSession.Result OfExport(ModelFolders models, string pipeline, string errorId, ErrorCategory category, params string[] fragments)
    {
        string output = "refused-" + Guid.NewGuid().ToString("N")[..8];
        return Of(models, $"{pipeline} | Export-Checkpoint ./{output}", output, errorId, category, fragments);
    }

    /// <summary>Runs <paramref name="script"/> as it is; <paramref name="output"/> is the folder that must not appear (null when none is named).</summary>
    public static PowerShellSession.Result Of(ModelFolders models, string script, string? output, string errorId, ErrorCategory category, params string[] fragments)
    {
        using var session = new PowerShellSession(models.Root);
        return Of(models, session, script, output, errorId, category, fragments);
    }

    /// <summary>The same check in a session the test has already used (to hold a handle across a change on disk, say).</summary>
    public static PowerShellSession.Result Of(ModelFolders models, PowerShellSession session, string script, string? output, string errorId, ErrorCategory category,
        params string[] fragments)
    {
        var result = session.Run(script);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith(errorId + ",", error.FullyQualifiedErrorId);
        Assert.Equal(category, error.CategoryInfo.Category);
        foreach (var fragment in fragments) Assert.Contains(fragment, error.Exception.Message);
        if (output is not null) Assert.False(Directory.Exists(models.Output(output)) || File.Exists(models.Output(output)), $"{output} was written");
        Assert.Empty(models.StagingLeftovers());
        return result;
    }
}
