using System.Management.Automation;
using ModelMerge.PipelineTests.Support;

namespace ModelMerge.PipelineTests;

/// <summary>
/// -Force replaces only what is recognisably an earlier export (a checkpoint and the files an export writes beside
/// it, or an empty folder); anything else at the target is refused with OutputNotReplaceable, before anything is
/// computed, saying what is in the way. What the system will not let go of (an immutable folder or file, a mount
/// point) is refused the same way with its path, and a read-only file system is OutputNotWritable.
/// </summary>
public sealed class TargetReplacementTests(ModelFolders models) : IClassFixture<ModelFolders>
{
    private const string Merge = "Get-Checkpoint ./base | Get-TaskVector ./ft1 | Invoke-TiesMerge";

    private void Export(string name, string options = "")
    {
        using var session = new PowerShellSession(models.Root);
        Assert.Empty(session.Run($"{Merge} | Export-Checkpoint ./{name} {options}").Errors);
    }

    /// <summary>Every file under <paramref name="folder"/> with its bytes, to show nothing in it changed.</summary>
    private static Dictionary<string, byte[]> Contents(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).ToDictionary(file => Path.GetRelativePath(folder, file), File.ReadAllBytes);

    private static void AssertUnchanged(Dictionary<string, byte[]> before, string folder)
    {
        var after = Contents(folder);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        Assert.All(before, file => Assert.True(file.Value.AsSpan().SequenceEqual(after[file.Key]), file.Key));
    }

    private PowerShellSession.Result Refused(string script, string errorId, ErrorCategory category, params string[] fragments) =>
        Refusal.Of(models, script, null, errorId, category, fragments);

    [Fact]
    public void An_earlier_sharded_export_is_replaced_whole_and_nothing_is_left_beside_it()
    {
        Export("earlier", "-MaxShardSize 100KB");
        Assert.Contains("model.safetensors.index.json", Directory.GetFiles(models.Output("earlier")).Select(Path.GetFileName));

        Export("earlier", "-Force");

        var files = Directory.GetFiles(models.Output("earlier")).Select(Path.GetFileName).Order().ToList();
        Assert.Contains("model.safetensors", files);
        Assert.DoesNotContain(files, f => f!.StartsWith("model-", StringComparison.Ordinal) || f == "model.safetensors.index.json");
        Assert.Empty(models.StagingLeftovers());
    }

    [Fact]
    public void An_empty_folder_is_replaced()
    {
        Directory.CreateDirectory(models.Output("empty"));
        Export("empty", "-Force");
        Assert.True(File.Exists(Path.Combine(models.Output("empty"), "model.safetensors")));
    }

    [Fact]
    public void WhatIf_names_the_checkpoint_Force_would_delete_and_its_files()
    {
        Export("described", "-MaxShardSize 100KB");
        string folder = models.Output("described");
        int count = Directory.GetFiles(folder).Length;

        string? replacing = Plans.Export.OutputTarget.Replacement(folder);

        Assert.Equal($"replacing the existing checkpoint '{folder}' ({count} files: model-00001-of-", replacing?[..(replacing.IndexOf("of-", StringComparison.Ordinal) + 3)]);
        Assert.Contains(", config.json", replacing);
        Assert.Equal($"replacing the empty folder '{models.Root}{Path.DirectorySeparatorChar}nothing-here'",
            Plans.Export.OutputTarget.Replacement(Directory.CreateDirectory(models.Output("nothing-here")).FullName));
        File.WriteAllText(models.Output("not-an-export"), "");
        Assert.Null(Plans.Export.OutputTarget.Replacement(models.Output("not-an-export")));
    }

    [Fact]
    public void A_folder_of_other_files_is_not_replaced_even_with_Force_and_the_error_lists_them()
    {
        string folder = models.Output("documents");
        Directory.CreateDirectory(Path.Combine(folder, "photos"));
        foreach (string name in new[] { "a.txt", "b.txt", "c.txt", "d.txt", "e.txt", "notes.md" }) File.WriteAllText(Path.Combine(folder, name), name);
        File.WriteAllText(Path.Combine(folder, "photos", "cat.jpg"), "cat");
        var before = Contents(folder);

        Refused($"{Merge} | Export-Checkpoint ./documents -Force", "OutputNotReplaceable", ErrorCategory.ResourceExists,
            $"'{folder}' holds what is not an earlier export: a.txt, b.txt, c.txt, d.txt, e.txt and 2 more (7 entries in all)");
        AssertUnchanged(before, folder);
    }

    [Fact]
    public void An_earlier_export_with_a_file_added_is_not_replaced()
    {
        Export("annotated");
        string folder = models.Output("annotated");
        File.WriteAllText(Path.Combine(folder, "my-eval-results.csv"), "accuracy,0.9");
        var before = Contents(folder);

        Refused($"{Merge} | Export-Checkpoint ./annotated -Force", "OutputNotReplaceable", ErrorCategory.ResourceExists, "my-eval-results.csv");
        AssertUnchanged(before, folder);
    }

    [Fact]
    public void A_file_at_the_target_is_not_replaced_by_a_folder()
    {
        File.WriteAllText(models.Output("report.txt"), "quarterly figures");
        Refused($"{Merge} | Export-Checkpoint ./report.txt -Force", "OutputNotReplaceable", ErrorCategory.ResourceExists,
            $"'{models.Output("report.txt")}' is a file, not an earlier export");
        Assert.Equal("quarterly figures", File.ReadAllText(models.Output("report.txt")));
    }

    [Fact]
    public void A_link_at_the_target_is_not_replaced()
    {
        Export("linked-export");
        var before = Contents(models.Output("linked-export"));
        Directory.CreateSymbolicLink(models.Output("shortcut"), "linked-export");

        Refused($"{Merge} | Export-Checkpoint ./shortcut -Force", "OutputNotReplaceable", ErrorCategory.ResourceExists, "is a link to 'linked-export'");
        Assert.Equal("linked-export", new DirectoryInfo(models.Output("shortcut")).LinkTarget);
        AssertUnchanged(before, models.Output("linked-export"));
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    public void The_current_location_and_the_folders_holding_it_are_not_replaced(string target)
    {
        string here = Path.Combine(models.Output("workplace-" + target.Length), "inside");
        Directory.CreateDirectory(here);
        using var session = new PowerShellSession(here);
        var result = session.Run($"Get-Checkpoint '{models.Base}' | Get-TaskVector '{models.FineTuned1}' | Invoke-TiesMerge | Export-Checkpoint {target} -Force");

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("OutputNotReplaceable,", error.FullyQualifiedErrorId);
        Assert.Contains($"is the current location '{here}' or a folder holding it", error.Exception.Message);
        Assert.True(Directory.Exists(here));
        Assert.Empty(Directory.EnumerateFileSystemEntries(here));
        Assert.Empty(models.StagingLeftovers());
    }

    [MountFact]
    public void A_mount_point_is_not_replaced_and_the_error_names_it()
    {
        Export("to-mount");
        string mounted = models.Output("mounted");
        Directory.CreateDirectory(mounted);
        LinuxTools.Run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mounted);
        try
        {
            foreach (string file in Directory.GetFiles(models.Output("to-mount"))) File.Copy(file, Path.Combine(mounted, Path.GetFileName(file)));
            var before = Contents(mounted);

            Refused($"{Merge} | Export-Checkpoint ./mounted -Force", "OutputNotReplaceable", ErrorCategory.ResourceExists, $"'{mounted}' is a mount point");
            AssertUnchanged(before, mounted);
        }
        finally { LinuxTools.Run("umount", mounted); }
    }

    [MountFact]
    public void A_read_only_file_system_is_OutputNotWritable()
    {
        string folder = models.Output("read-only-disk");
        Directory.CreateDirectory(folder);
        LinuxTools.Run("mount", "--bind", folder, folder);
        try
        {
            LinuxTools.Run("mount", "-o", "remount,bind,ro", folder);
            Refused($"{Merge} | Export-Checkpoint ./read-only-disk/merged", "OutputNotWritable", ErrorCategory.PermissionDenied,
                $"cannot write the output in '{folder}'", "read-only");
            Assert.Empty(Directory.EnumerateFileSystemEntries(folder));
        }
        finally { LinuxTools.Run("umount", folder); }
    }

    [PinFact]
    public void An_immutable_earlier_export_is_not_replaced_and_the_error_names_it()
    {
        Export("frozen");
        string folder = models.Output("frozen");
        var before = Contents(folder);
        LinuxTools.Run("chattr", "+i", folder);
        try
        {
            Refused($"{Merge} | Export-Checkpoint ./frozen -Force", "OutputNotReplaceable", ErrorCategory.ResourceExists, $"'{folder}' is immutable");
            AssertUnchanged(before, folder);
        }
        finally { LinuxTools.Run("chattr", "-i", folder); }
    }

    [PinFact]
    public void An_earlier_export_holding_an_immutable_file_is_refused_before_anything_is_replaced()
    {
        Export("pinned");
        string folder = models.Output("pinned");
        var before = Contents(folder);
        LinuxTools.Run("chattr", "+i", Path.Combine(folder, "config.json"));
        try
        {
            Refused($"{Merge} | Export-Checkpoint ./pinned -Force", "OutputNotReplaceable", ErrorCategory.ResourceExists,
                "holds files that cannot be deleted: config.json (immutable");
            AssertUnchanged(before, folder);
        }
        finally { LinuxTools.Run("chattr", "-i", Path.Combine(folder, "config.json")); }
    }

    [PinFact]
    public void Old_content_that_cannot_be_deleted_after_the_swap_stays_whole_where_the_warning_says()
    {
        string target = models.Output("swapped");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "model.safetensors"), "old");
        var warnings = new List<string>();
        string stagingPath;
        using (var staging = Formats.Folders.StagingFolder.Create(target))
        {
            stagingPath = staging.Path;
            File.WriteAllText(Path.Combine(staging.Path, "model.safetensors"), "new");
            // Pinned after the checks an export makes, as if by someone else while it ran: the swap succeeds, the delete cannot.
            LinuxTools.Run("chattr", "+i", Path.Combine(target, "model.safetensors"));
            try
            {
                Plans.Export.OutputTarget.Commit(staging, replace: true, warnings.Add);
            }
            finally
            {
                foreach (string folder in new[] { target, stagingPath })
                    if (File.Exists(Path.Combine(folder, "model.safetensors"))) LinuxTools.Run("chattr", "-i", Path.Combine(folder, "model.safetensors"));
            }
        }

        Assert.Equal("new", File.ReadAllText(Path.Combine(target, "model.safetensors")));
        var warning = Assert.Single(warnings);
        Assert.Contains($"'{target}' now holds the new checkpoint", warning);
        Assert.Contains($"the rest is in '{stagingPath}'", warning);
        // One swap, not a rename aside: the old folder is whole under the staging name and nothing else appeared.
        Assert.Equal("old", File.ReadAllText(Path.Combine(stagingPath, "model.safetensors")));
        Assert.DoesNotContain(models.StagingLeftovers(), name => name.Contains(".replaced-", StringComparison.Ordinal));
        // Its lock file stayed with it, released: the next export to the target removes it and says so.
        Assert.Contains("the next export to", warning);
        using (var next = Formats.Folders.StagingFolder.Create(target))
            Assert.Equal(stagingPath, Assert.Single(next.Removed).Path);
        Assert.False(Directory.Exists(stagingPath));
        Assert.Empty(models.StagingLeftovers());
    }

    [MountFact]
    public void A_swap_the_system_refuses_names_the_target_and_leaves_it_as_it_was()
    {
        // A mount point that appeared after the checks an export makes: the swap itself reports EBUSY.
        string target = models.Output("mounted-late");
        Directory.CreateDirectory(target);
        LinuxTools.Run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", target);
        try
        {
            File.WriteAllText(Path.Combine(target, "model.safetensors"), "old");
            string stagingPath;
            using (var staging = Formats.Folders.StagingFolder.Create(target))
            {
                stagingPath = staging.Path;
                File.WriteAllText(Path.Combine(staging.Path, "model.safetensors"), "new");
                var refusal = Assert.Throws<Plans.PlanException>(() => Plans.Export.OutputTarget.Commit(staging, replace: true, null));
                Assert.Equal("OutputNotReplaceable", refusal.ErrorId);
                Assert.Equal(target, refusal.Target);
                Assert.Contains($"cannot replace '{target}'", refusal.Message);
                Assert.Contains($"'{target}' is as it was", refusal.Message);
            }
            Assert.Equal("old", File.ReadAllText(Path.Combine(target, "model.safetensors")));
            Assert.False(Directory.Exists(stagingPath));
        }
        finally { LinuxTools.Run("umount", target); }
    }
}
