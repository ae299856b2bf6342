using ModelMerge.Formats.Folders;
using ModelMerge.PipelineTests.Support;
using ModelMerge.Plans.Handles;

namespace ModelMerge.PipelineTests;

/// <summary>Every runbook under examples/ runs, as a user would run it, and writes a valid checkpoint.</summary>
public sealed class ExampleTests(ModelFolders models) : IClassFixture<ModelFolders>
{
    public static TheoryData<string> Examples() =>
        new(Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "examples"), "*.ps1").Select(Path.GetFileName)!);

    [Theory]
    [MemberData(nameof(Examples))]
    public void Example_runs_and_writes_a_readable_checkpoint(string example)
    {
        using var session = new PowerShellSession(models.Root);
        string output = models.Output("example-" + Path.GetFileNameWithoutExtension(example));
        var result = session.RunFile(Path.Combine(AppContext.BaseDirectory, "examples", example), new Dictionary<string, object>
        {
            ["Base"] = models.Base,
            ["FineTuned"] = new[] { models.FineTuned1, models.FineTuned2 },
            ["Output"] = output,
        });

        Assert.Empty(result.Errors);
        var written = Assert.IsType<CheckpointHandle>(Assert.Single(result.Output).BaseObject);
        Assert.Equal(output, written.Path);
        Assert.Equal(SafetensorsCheckpoint.Open(models.Base).Tensors.Count, SafetensorsCheckpoint.Open(output).Tensors.Count);
    }
}
