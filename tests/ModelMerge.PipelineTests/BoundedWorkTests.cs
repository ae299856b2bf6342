using System.Diagnostics;
using System.Management.Automation;
using ModelMerge.Formats;
using ModelMerge.Methods;
using ModelMerge.PipelineTests.Support;
using ModelMerge.TestData;

namespace ModelMerge.PipelineTests;

/// <summary>
/// Hostile parameters cannot buy unbounded work: karcher's max_iter has one limit on every route
/// (the cmdlet, -Parameter and a recipe), refused while the merge is built, and a stop during
/// its iterations ends the export promptly.
/// </summary>
public sealed class BoundedWorkTests(ModelFolders models) : IClassFixture<ModelFolders>
{
    private const string KarcherMerge = "Get-Checkpoint ./ft1,./ft2 | Invoke-Merge karcher -Base ./base";

    [Fact]
    public void A_recipe_max_iter_past_the_limit_is_refused_while_the_merge_is_built()
    {
        File.WriteAllText(models.Output("long-karcher.yml"),
            "merge_method: karcher\nbase_model: ./base\nmodels:\n  - model: ./ft1\n  - model: ./ft2\nparameters:\n  max_iter: 100000000\n  tol: 0\n");
        Refusal.Of(models, "$merged = Invoke-MergeRecipe ./long-karcher.yml", null, "InvalidIterationCount", ErrorCategory.InvalidData,
            "max_iter", "100000000", Karcher.IterationLimit.ToString());
    }

    [Fact]
    public void A_max_iter_past_the_limit_given_through_Parameter_is_refused_while_the_merge_is_built()
    {
        Refusal.Of(models, $"$merged = {KarcherMerge} -Parameter @{{ max_iter = 2147483647 }}", null, "InvalidIterationCount", ErrorCategory.InvalidData,
            "max_iter", "2147483647");
    }

    [Fact]
    public void A_max_iter_filter_past_the_limit_for_some_tensors_is_refused_too()
    {
        Refusal.Of(models, $"$merged = {KarcherMerge} -Parameter @{{ max_iter = @{{ mlp = 100001; default = 10 }} }}", null, "InvalidIterationCount",
            ErrorCategory.InvalidData, "mlp");
    }

    [Fact]
    public void MaxIterations_past_the_limit_is_refused_by_the_cmdlet()
    {
        using var session = new PowerShellSession(models.Root);
        var error = Assert.Single(session.Run($"$merged = {KarcherMerge} -MaxIterations {Karcher.IterationLimit + 1}").Errors);
        Assert.StartsWith("ParameterArgumentValidationError,", error.FullyQualifiedErrorId);
    }

    [Fact]
    public void MaxIterations_at_the_limit_is_accepted()
    {
        using var session = new PowerShellSession(models.Root);
        Assert.Empty(session.Run($"$merged = {KarcherMerge} -MaxIterations {Karcher.IterationLimit}").Errors);
    }

    /// <summary>
    /// Nine distinct inputs at the iteration limit and tol 0, stopped at the first progress record.
    /// Under the limit a tensor's iteration takes a tenth of a second, so this guards that Stop
    /// reaches a karcher export at all; KarcherTests shows the iteration itself checks the stop.
    /// </summary>
    [Fact]
    public void A_stop_during_a_long_karcher_ends_the_export_within_seconds()
    {
        var fineTunes = Enumerable.Range(1, 8).Select(seed => $"./karcher-ft{seed}").ToList();
        foreach (var (folder, seed) in fineTunes.Select((f, i) => (f, (ulong)i + 1)))
            if (!Directory.Exists(models.Output(folder)))
                LlamaCheckpointGenerator.Write(models.Output(folder),
                    new GeneratedModel(LlamaShape.Tiny, DType.BF16, BaseSeed: 1, FineTuneSeed: seed * 11));

        using var session = new PowerShellSession(models.Root);
        using var shell = session.CreateShell();
        shell.AddScript($"Get-Checkpoint {string.Join(",", fineTunes)} | Invoke-Merge karcher -Base ./base -MaxIterations {Karcher.IterationLimit} " +
            "-Tolerance 0 | Export-Checkpoint ./stopped-karcher -ThrottleLimit 1");
        var stopped = new Stopwatch();
        shell.Streams.Progress.DataAdded += (_, _) =>
        {
            if (stopped.IsRunning) return;
            stopped.Start();
            shell.BeginStop(null, null);
        };
        var run = shell.BeginInvoke();
        Assert.Throws<PipelineStoppedException>(() => shell.EndInvoke(run));
        Assert.True(stopped.IsRunning, "the export reported no progress before it ended");
        Assert.InRange(stopped.Elapsed.TotalSeconds, 0, 3);
        Assert.False(Directory.Exists(models.Output("stopped-karcher")));
        Assert.Empty(models.StagingLeftovers());
    }
}
