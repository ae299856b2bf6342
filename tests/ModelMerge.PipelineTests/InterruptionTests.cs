using System.Diagnostics;
using System.Management.Automation;
using ModelMerge.PipelineTests.Support;
using ModelMerge.TestData;

namespace ModelMerge.PipelineTests;

/// <summary>Interruptions leave nothing behind, or the next export cleans up (signals to a real pwsh, SIGKILL, a race, a swapped link).</summary>
public sealed class InterruptionTests(ModelFolders models) : IClassFixture<ModelFolders>
{
    /// <summary>Two 42 MB models: a TIES export of them on one core takes seconds, long enough to interrupt.</summary>
    private void WriteMediumModels()
    {
        if (Directory.Exists(models.Output("medium-base"))) return;
        var shape = LlamaShape.Tiny with { Hidden = 512, Intermediate = 1408, Layers = 6, Heads = 8, KeyValueHeads = 4, Vocab = 4096 };
        LlamaCheckpointGenerator.Write(models.Output("medium-ft"), new GeneratedModel(shape, Formats.DType.BF16, FineTuneSeed: 3));
        LlamaCheckpointGenerator.Write(models.Output("medium-base"), new GeneratedModel(shape, Formats.DType.BF16));
    }

    /// <summary>
    /// Karcher at its iteration cap with no tolerance spends a fixed amount of work on every tensor, so the export
    /// lasts seconds on any machine however fast its reads: long enough to be interrupted mid-way.
    /// </summary>
    private const string MediumMerge = "Get-Checkpoint ./medium-base,./medium-ft | Invoke-Merge karcher -MaxIterations 100000 -Tolerance 0";

    /// <summary>Everything beside the target that its export created: the staging folder and its lock file.</summary>
    private string[] StagingOf(string target) => Directory.GetFileSystemEntries(models.Root, $".{target}.partial-*");

    /// <summary>Starts a runbook that exports the medium merge to <paramref name="target"/> and then writes a marker; returns once it is staging.</summary>
    private Process StartRunbook(string target, string marker)
    {
        WriteMediumModels();
        var pwsh = Pwsh.Start(models.Root, $"{MediumMerge} | Export-Checkpoint ./{target} -ThrottleLimit 1\n'went on' | Out-File ./{marker}");
        Pwsh.WaitFor(() => StagingOf(target).Any(Directory.Exists), "staging folder", pwsh);
        Thread.Sleep(300);
        return pwsh;
    }

    [PwshTheory]
    [InlineData(15, "term")]
    [InlineData(1, "hup")]
    [InlineData(2, "int")]
    public void A_signal_mid_export_deletes_the_staging_folder_and_ends_the_runbook(int signal, string name)
    {
        string target = "signalled-" + name, marker = "went-on-" + name;
        using var pwsh = StartRunbook(target, marker);

        Pwsh.Signal(pwsh, signal);

        Assert.True(pwsh.WaitForExit(60_000), "pwsh did not end after the signal");
        Assert.Empty(StagingOf(target));
        Assert.False(Directory.Exists(models.Output(target)), "the export went on to commit");
        Assert.False(File.Exists(models.Output(marker)), "the runbook went on to its next line");
        // TERM and HUP end the process by that signal; INT is the host's stop (pwsh's own Ctrl+C handling) when it has one.
        if (signal != 2) Assert.Equal(128 + signal, pwsh.ExitCode);
    }

    [PwshFact]
    public void An_export_killed_outright_leaves_a_staging_folder_that_the_next_export_removes_with_a_warning()
    {
        using (var pwsh = StartRunbook("killed", "went-on-killed"))
        {
            Pwsh.WaitFor(() => StagingOf("killed").Where(Directory.Exists).SelectMany(f => Directory.GetFiles(f)).Any(f => new FileInfo(f).Length > 0),
                "weights on disk", pwsh);
            Pwsh.Signal(pwsh, 9);
            Assert.True(pwsh.WaitForExit(60_000));
        }
        string left = Assert.Single(StagingOf("killed"), Directory.Exists);
        Assert.Contains(left + ".lock", StagingOf("killed"));
        long bytes = Directory.GetFiles(left, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.True(bytes > 0);

        using var session = new PowerShellSession(models.Root);
        var shell = session.CreateShell();
        shell.AddScript("Get-Checkpoint ./base | Export-Checkpoint ./killed");
        shell.Invoke();

        Assert.Empty(shell.Streams.Error);
        var warning = Assert.Single(shell.Streams.Warning).Message;
        Assert.Contains($"Removed '{left}' ({bytes:N0} bytes)", warning);
        Assert.Matches(@"\(pid \d+\) that was killed", warning);
        Assert.Empty(StagingOf("killed"));
        Assert.True(File.Exists(Path.Combine(models.Output("killed"), "model.safetensors")));
    }

    [Fact]
    public void Staging_folders_that_are_not_unmistakably_this_targets_leftovers_are_left_alone()
    {
        // Named like a staging folder but without a lock file (an older export's, or someone's own), and one
        // whose lock file records another target: neither may be deleted.
        string unlocked = models.Output(".foreign.partial-" + new string('a', 32));
        string other = models.Output(".foreign.partial-" + new string('b', 32));
        foreach (var folder in new[] { unlocked, other })
        {
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, "keep.txt"), "mine");
        }
        File.WriteAllText(other + ".lock", $$"""{"Pid":1,"Target":"{{models.Output("elsewhere")}}"}""");

        using var session = new PowerShellSession(models.Root);
        var shell = session.CreateShell();
        shell.AddScript("Get-Checkpoint ./base | Export-Checkpoint ./foreign");
        shell.Invoke();

        Assert.Empty(shell.Streams.Error);
        Assert.Empty(shell.Streams.Warning);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(unlocked, "keep.txt")));
        Assert.Equal("mine", File.ReadAllText(Path.Combine(other, "keep.txt")));
        Assert.True(File.Exists(other + ".lock"));
        foreach (var folder in new[] { unlocked, other }) Directory.Delete(folder, recursive: true);
        File.Delete(other + ".lock");
    }

    [Fact]
    public void A_second_export_to_a_target_being_written_fails_at_once_and_leaves_the_first_alone()
    {
        WriteMediumModels();
        using var first = new PowerShellSession(models.Root);
        using var shell = first.CreateShell();
        shell.AddScript($"{MediumMerge} | Export-Checkpoint ./contended -ThrottleLimit 1");
        using var writing = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        // Progress comes on the export's own thread: holding it there keeps the first export mid-way.
        shell.Streams.Progress.DataAdded += (_, e) =>
        {
            if (shell.Streams.Progress[e.Index].PercentComplete <= 5 || writing.IsSet) return;
            writing.Set();
            release.Wait(TimeSpan.FromMinutes(2));
        };
        var run = shell.BeginInvoke();
        Assert.True(writing.Wait(TimeSpan.FromMinutes(2)), "the first export did not start writing");
        string staging = Assert.Single(StagingOf("contended"), Directory.Exists);

        using (var session = new PowerShellSession(models.Root))
        {
            var second = session.Run($"{MediumMerge} | Export-Checkpoint ./contended -Force");
            var error = Assert.Single(second.Errors);
            Assert.StartsWith("OutputExists,", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ResourceExists, error.CategoryInfo.Category);
            Assert.Contains($"another export (pid {Environment.ProcessId}) is writing '{models.Output("contended")}'", error.Exception.Message);
            // Refused before a tensor was computed.
            Assert.Empty(second.Progress);
        }
        Assert.Equal([staging], StagingOf("contended").Where(Directory.Exists));

        release.Set();
        shell.EndInvoke(run);
        Assert.Empty(shell.Streams.Error);
        Assert.False(Directory.Exists(staging));
        Assert.True(File.Exists(Path.Combine(models.Output("contended"), "model.safetensors")));
        Assert.Empty(StagingOf("contended"));
    }

    [Fact]
    public void A_stopped_export_deletes_its_staging_folder_even_after_the_parent_link_was_swapped()
    {
        WriteMediumModels();
        string first = Directory.CreateDirectory(models.Output("link-first")).FullName;
        string second = Directory.CreateDirectory(models.Output("link-second")).FullName;
        string link = models.Output("outputs");
        File.CreateSymbolicLink(link, first);

        using var session = new PowerShellSession(models.Root);
        using var shell = session.CreateShell();
        shell.AddScript($"{MediumMerge} | Export-Checkpoint ./outputs/swapped -ThrottleLimit 1");
        int swapped = 0;
        shell.Streams.Progress.DataAdded += (_, e) =>
        {
            if (shell.Streams.Progress[e.Index].PercentComplete <= 5 || Interlocked.Exchange(ref swapped, 1) != 0) return;
            // The link now leads elsewhere: cleanup that re-resolves the spelled path would look in the wrong folder.
            File.Delete(link);
            File.CreateSymbolicLink(link, second);
            shell.BeginStop(null, null);
        };
        Assert.Throws<PipelineStoppedException>(() => shell.EndInvoke(shell.BeginInvoke()));

        Assert.Empty(Directory.GetFileSystemEntries(first));
        Assert.Empty(Directory.GetFileSystemEntries(second));
    }
}
