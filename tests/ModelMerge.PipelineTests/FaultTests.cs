using System.Diagnostics;
using System.Management.Automation;
using System.Security.Cryptography;
using ModelMerge.Formats;
using ModelMerge.PipelineTests.Support;
using ModelMerge.TestData;

namespace ModelMerge.PipelineTests;

/// <summary>
/// A full disk (which file, space or inodes), a staging folder that cannot be deleted, a target name at the
/// file system's limit and a read-only target are clear errors that leave no partial output and never
/// touch the inputs; an input cut short mid-export is an error, not a crash; merges in several runspaces
/// at once, sharing handles, write what they write alone.
/// </summary>
public sealed class FaultTests(ModelFolders models) : IClassFixture<ModelFolders>
{
    private const string Merge = "Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-TiesMerge -Density 0.3";

    private static void Run(string program, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"`{program} {arguments}` failed ({process.ExitCode}): {process.StandardError.ReadToEnd()}; "
                + "these fault tests need Linux and root, as CI machines have.");
    }

    private string InputDigest() => string.Join(",", new[] { models.Base, models.FineTuned1, models.FineTuned2 }
        .Select(folder => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(folder, "model.safetensors"))))));

    [Fact]
    public void A_full_disk_is_a_write_error_and_leaves_no_partial_output()
    {
        string disk = models.Output("small-disk");
        Directory.CreateDirectory(disk);
        // 128 KB holds the config and part of a 250 KB shard, so the weights run out of space.
        Run("mount", $"-t tmpfs -o size=128k tmpfs {disk}");
        try
        {
            string before = InputDigest();
            using var session = new PowerShellSession(models.Root);
            var result = session.Run($"{Merge} | Export-Checkpoint ./small-disk/merged");
            var error = Assert.Single(result.Errors);
            Assert.StartsWith("WriteFailed", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.WriteError, error.CategoryInfo.Category);
            Assert.Contains("The disk is full", error.Exception.Message, StringComparison.Ordinal);
            Assert.Contains(Path.Combine(disk, "merged"), error.Exception.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(".partial-", error.Exception.Message, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(disk));
            Assert.Equal(before, InputDigest());
        }
        finally { Run("umount", disk); }
    }

    /// <summary>Bytes the file system charges for <paramref name="bytes"/> of file data: whole 4 KiB pages on tmpfs.</summary>
    private static long Pages(long bytes) => (bytes + 4095) / 4096 * 4096;

    /// <summary>
    /// Which file ran out of room, and whether bytes or inodes did. The tmpfs is sized from the same export made on
    /// the normal disk: room for the lock file and the weights but not the next file, or files enough for the lock,
    /// the staging folder and the shard but not config.json.
    /// </summary>
    [Theory]
    [InlineData("config-space", "", "config.json", "The disk is full: the weights (")]
    [InlineData("config-inodes", "", "config.json", "has no free inodes")]
    [InlineData("index-space", " -MaxShardSize 100KB", "model.safetensors.index.json", "The disk is full: the weights (")]
    public void A_full_disk_names_the_file_that_did_not_fit_and_whether_space_or_inodes_ran_out(string name, string options, string file, string advice)
    {
        string reference = models.Output("reference-" + name);
        using (var session = new PowerShellSession(models.Root))
            Assert.Empty(session.Run($"{Merge} | Export-Checkpoint {reference}{options}").Errors);
        long weights = Directory.GetFiles(reference, "*.safetensors").Sum(f => Pages(new FileInfo(f).Length));
        string disk = models.Output("small-" + name);
        Directory.CreateDirectory(disk);
        // The lock file beside the staging folder takes one page and one inode; the root folder and the staging folder an inode each.
        int shards = Directory.GetFiles(reference, "*.safetensors").Length;
        Run("mount", name.EndsWith("inodes", StringComparison.Ordinal)
            ? $"-t tmpfs -o size=16m,nr_inodes={3 + shards} tmpfs {disk}"
            : $"-t tmpfs -o size={4096 + weights} tmpfs {disk}");
        try
        {
            using var session = new PowerShellSession(models.Root);
            var result = session.Run($"{Merge} | Export-Checkpoint {Path.Combine(disk, "merged")}{options}");
            var error = Assert.Single(result.Errors);
            Assert.StartsWith("WriteFailed", error.FullyQualifiedErrorId);
            Assert.Contains($"failed while writing {file}: No space left on device.", error.Exception.Message, StringComparison.Ordinal);
            Assert.Contains(advice, error.Exception.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("the weights alone need", error.Exception.Message, StringComparison.Ordinal);
            Assert.Contains("Nothing was left behind", error.Exception.Message, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(disk));
        }
        finally { Run("umount", disk); }
    }

    [Fact]
    public void A_failed_write_whose_staging_folder_cannot_be_deleted_says_what_is_left_and_where()
    {
        string disk = models.Output("small-disk-busy");
        Directory.CreateDirectory(disk);
        Run("mount", $"-t tmpfs -o size=128k tmpfs {disk}");
        string? busy = null;
        try
        {
            using var session = new PowerShellSession(models.Root);
            using var shell = session.CreateShell();
            shell.AddScript($"{Merge} | Export-Checkpoint ./small-disk-busy/merged");
            // A mount point inside the staging folder cannot be removed (EBUSY), as a user's bind mount there could not.
            shell.Streams.Progress.DataAdded += (_, _) =>
            {
                if (busy is not null) return;
                string staging = Directory.GetDirectories(disk, ".merged.partial-*").Single();
                busy = Directory.CreateDirectory(Path.Combine(staging, "busy")).FullName;
                Run("mount", $"-t tmpfs -o size=4k tmpfs {busy}");
            };
            shell.Invoke();
            var record = Assert.Single(shell.Streams.Error);
            var failure = record.Exception;

            Assert.StartsWith("WriteFailed", record.FullyQualifiedErrorId);
            string left = Path.GetDirectoryName(busy)!;
            Assert.True(Directory.Exists(left));
            Assert.Contains($"'{left}' (", failure.Message, StringComparison.Ordinal);
            Assert.Contains("could not be deleted", failure.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("Nothing was left behind", failure.Message, StringComparison.Ordinal);
        }
        finally
        {
            if (busy is not null) Run("umount", busy);
            Run("umount", disk);
        }
    }

    [Theory]
    [InlineData(240)]
    [InlineData(255)]
    public void A_target_name_as_long_as_the_file_system_allows_is_exported(int length)
    {
        string name = new('n', length);
        using var session = new PowerShellSession(models.Root);
        var result = session.Run($"Get-Checkpoint ./base | Export-Checkpoint ./{name}");
        Assert.Empty(result.Errors);
        Assert.True(File.Exists(Path.Combine(models.Output(name), "model.safetensors")));
        Assert.Empty(models.StagingLeftovers());
    }

    [Fact]
    public void A_read_only_target_folder_is_a_clear_error()
    {
        string folder = models.Output("read-only");
        Directory.CreateDirectory(folder);
        // The immutable attribute holds even for root, unlike permission bits.
        Run("chattr", $"+i {folder}");
        try
        {
            using var session = new PowerShellSession(models.Root);
            var result = session.Run($"{Merge} | Export-Checkpoint ./read-only/merged");
            var error = Assert.Single(result.Errors);
            Assert.StartsWith("OutputNotWritable", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.PermissionDenied, error.CategoryInfo.Category);
            Assert.Contains($"cannot write the output in '{folder}'", error.Exception.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(".partial-", error.Exception.Message, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(folder));
        }
        finally { Run("chattr", $"-i {folder}"); }
    }

    [Fact]
    public void An_input_cut_short_while_the_export_reads_it_is_InputChanged_and_the_session_lives_on()
    {
        // One large tensor (the embedding, 32 MB in bf16) takes long enough to be cut while it is read.
        var shape = LlamaShape.Tiny with { Hidden = 512, Intermediate = 1408, Layers = 2, Heads = 8, KeyValueHeads = 4, Vocab = 32768 };
        string baseFolder = models.Output("shrinking-base"), fineTuned = models.Output("shrinking-ft");
        LlamaCheckpointGenerator.Write(baseFolder, new GeneratedModel(shape, DType.BF16));
        LlamaCheckpointGenerator.Write(fineTuned, new GeneratedModel(shape, DType.BF16, FineTuneSeed: 3));
        string victim = Path.Combine(fineTuned, "model.safetensors");

        using var session = new PowerShellSession(models.Root);
        using var shell = session.CreateShell();
        shell.AddScript("Get-Checkpoint ./shrinking-base | Get-TaskVector ./shrinking-ft | Invoke-TiesMerge | Export-Checkpoint ./never-whole -ThrottleLimit 1");
        int cut = 0;
        // Progress names a tensor just before it is computed: cut the file from another thread a moment into the embedding's reads.
        shell.Streams.Progress.DataAdded += (_, e) =>
        {
            if (shell.Streams.Progress[e.Index].StatusDescription.Contains("embed_tokens", StringComparison.Ordinal) && Interlocked.Exchange(ref cut, 1) == 0)
                ThreadPool.QueueUserWorkItem(_ =>
                {
                    Thread.Sleep(100);
                    using var file = new FileStream(victim, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
                    file.SetLength(file.Length / 3);
                });
        };
        shell.Invoke();

        Assert.Equal(1, cut);
        var error = Assert.Single(shell.Streams.Error);
        Assert.StartsWith("InputChanged,", error.FullyQualifiedErrorId);
        Assert.Contains(victim, error.Exception.Message);
        Assert.False(Directory.Exists(models.Output("never-whole")));
        Assert.Empty(models.StagingLeftovers());
        Assert.Empty(session.Run("Get-Checkpoint ./base | Get-TaskVector ./ft1 | Invoke-TaskArithmetic | Export-Checkpoint ./after-the-cut").Errors);
    }

    [Fact]
    public async Task Merges_in_parallel_runspaces_sharing_handles_write_the_bytes_they_write_alone()
    {
        using (var alone = new PowerShellSession(models.Root))
        {
            Assert.Empty(alone.Run($"{Merge} | Export-Checkpoint ./alone-ties").Errors);
            Assert.Empty(alone.Run("Get-Checkpoint ./ft2 | Invoke-Merge slerp -Base ./ft1 -T 0.4 | Export-Checkpoint ./alone-slerp").Errors);
        }
        using var owner = new PowerShellSession(models.Root);
        var shared = owner.Run("Get-Checkpoint ./base, ./ft1").Output.Select(o => o.BaseObject).ToArray();
        var jobs = Enumerable.Range(0, 4).Select(i => Task.Run(() =>
        {
            using var session = new PowerShellSession(models.Root);
            string script = i % 2 == 0
                ? $"$base | Get-TaskVector ./ft1,./ft2 | Invoke-TiesMerge -Density 0.3 | Export-Checkpoint ./parallel-{i}"
                : $"Get-Checkpoint ./ft2 | Invoke-Merge slerp -Base $ft1 -T 0.4 | Export-Checkpoint ./parallel-{i}";
            return session.Run(script, new Dictionary<string, object> { ["base"] = shared[0], ["ft1"] = shared[1] });
        })).ToArray();
        var results = await Task.WhenAll(jobs);
        Assert.All(results, result => Assert.Empty(result.Errors));
        for (int i = 0; i < jobs.Length; i++)
            StoredValues.AssertSameCheckpoint(models.Output(i % 2 == 0 ? "alone-ties" : "alone-slerp"), models.Output($"parallel-{i}"));
    }
}
