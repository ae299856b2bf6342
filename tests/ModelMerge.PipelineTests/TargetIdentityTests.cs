using System.Management.Automation;
using ModelMerge.PipelineTests.Support;

namespace ModelMerge.PipelineTests;

/// <summary>
/// What is an input is decided by file identity, never by how a path is spelled. Each case reaches an input, or the
/// folder holding the inputs, through a link or a mount that a comparison of path strings misses; each is refused
/// with OutputIsInput (with -Force too) before anything is written, and every input byte stays as it was.
/// Each case works on its own copy of the models (work/models/base, work/models/ft1), so a refusal that failed
/// would destroy only that copy.
/// </summary>
public sealed class TargetIdentityTests(ModelFolders models) : IClassFixture<ModelFolders>
{
    /// <summary>A folder holding models/base and models/ft1, copies of the shared ones; the session works in it.</summary>
    private string Workspace(string name)
    {
        string work = models.Output(name);
        foreach (var (from, to) in new[] { (models.Base, "base"), (models.FineTuned1, "ft1") })
        {
            string folder = Path.Combine(work, "models", to);
            Directory.CreateDirectory(folder);
            foreach (string file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }
        return work;
    }

    /// <summary>Every file of both inputs, by name, with its bytes.</summary>
    private static Dictionary<string, byte[]> Inputs(string work) =>
        Directory.EnumerateFiles(Path.Combine(work, "models"), "*", SearchOption.AllDirectories)
            .ToDictionary(file => Path.GetRelativePath(work, file), File.ReadAllBytes);

    /// <summary><paramref name="input"/> is the input the message names, or the start of it when either input would do.</summary>
    private static void AssertRefusedAsInput(string work, string script, string how, string input)
    {
        var before = Inputs(work);
        using var session = new PowerShellSession(work);
        var result = session.Run(script);

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("OutputIsInput,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Contains($"overlaps the input '{input}", error.Exception.Message);
        Assert.Contains($"': it {how} that input, reached through a link or mount;", error.Exception.Message);
        var after = Inputs(work);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        Assert.All(before, file => Assert.True(file.Value.AsSpan().SequenceEqual(after[file.Key]), file.Key));
        // No staging or set-aside folder anywhere an export could have put one (links are not followed into loops).
        foreach (string folder in new[] { work, Path.Combine(work, "models"), Path.Combine(work, "models", "base"), Path.Combine(work, "models", "ft1") })
            Assert.Empty(Directory.EnumerateFileSystemEntries(folder, ".*"));
    }

    [Fact]
    public void A_target_reached_through_a_link_to_the_models_folder_is_the_input_it_names()
    {
        string work = Workspace("through-link");
        Directory.CreateDirectory(Path.Combine(work, "other"));
        Directory.CreateSymbolicLink(Path.Combine(work, "other", "m"), "../models");

        AssertRefusedAsInput(work,
            "Get-Checkpoint ./models/base | Get-TaskVector ./models/ft1 | Invoke-TiesMerge | Export-Checkpoint ./other/m/ft1 -Force",
            "is", Path.Combine(work, "models", "ft1"));
    }

    [Fact]
    public void Inputs_spelled_through_a_linked_parent_keep_the_real_folder_from_being_replaced()
    {
        string work = Workspace("linked-parent");
        Directory.CreateSymbolicLink(Path.Combine(work, "mlink"), "models");

        AssertRefusedAsInput(work,
            "Get-Checkpoint ./mlink/base | Get-TaskVector ./mlink/ft1 | Invoke-TiesMerge | Export-Checkpoint ./models -Force",
            "holds", Path.Combine(work, "mlink") + Path.DirectorySeparatorChar);
    }

    [Fact]
    public void An_output_through_a_link_into_an_input_folder_is_refused_without_Force()
    {
        string work = Workspace("link-inside");
        Directory.CreateSymbolicLink(Path.Combine(work, "blink"), "models/base");

        AssertRefusedAsInput(work,
            "Get-Checkpoint ./models/base | Get-TaskVector ./models/ft1 | Invoke-TiesMerge | Export-Checkpoint ./blink/merged",
            "lies inside", Path.Combine(work, "models", "base"));
        Assert.False(Directory.Exists(Path.Combine(work, "models", "base", "merged")));
    }

    [MountFact]
    public void A_bind_mount_of_the_models_folder_is_the_same_folder()
    {
        string work = Workspace("bind-mount");
        string mounted = Path.Combine(work, "mbind");
        Directory.CreateDirectory(mounted);
        LinuxTools.Run("mount", "--bind", Path.Combine(work, "models"), mounted);
        try
        {
            string script = "Get-Checkpoint ./models/base | Get-TaskVector ./models/ft1 | Invoke-TiesMerge | Export-Checkpoint ";
            AssertRefusedAsInput(work, script + "./mbind/ft1 -Force", "is", Path.Combine(work, "models", "ft1"));
            AssertRefusedAsInput(work, script + "./mbind -Force", "holds", Path.Combine(work, "models") + Path.DirectorySeparatorChar);
            AssertRefusedAsInput(work, script + "./mbind/base/merged", "lies inside", Path.Combine(work, "models", "base"));
        }
        finally { LinuxTools.Run("umount", mounted); }
    }
}
