using ModelMerge.Formats.Folders;

namespace ModelMerge.Tests.Formats;

public sealed class StagingFolderTests : IDisposable
{
    private readonly TemporaryFolder _parent = new();
    private readonly string _target;

    public StagingFolderTests() => _target = _parent.Combine("merged");

    public void Dispose() => _parent.Dispose();

    private static void WriteFile(string folder, string name, string text) => File.WriteAllText(Path.Combine(folder, name), text);

    private void CreateExistingTarget()
    {
        Directory.CreateDirectory(_target);
        WriteFile(_target, "old.txt", "old");
    }

    [Fact]
    public void Staging_folder_is_hidden_beside_the_target_and_the_target_is_not_created()
    {
        using var staging = StagingFolder.Create(_target);

        Assert.True(Directory.Exists(staging.Path));
        Assert.Equal(_parent.Path, Path.GetDirectoryName(staging.Path));
        Assert.StartsWith(".merged.", Path.GetFileName(staging.Path));
        Assert.Equal(_target, staging.Target);
        Assert.False(Directory.Exists(_target));
    }

    [Fact]
    public void Commit_moves_the_staged_files_into_place()
    {
        using (var staging = StagingFolder.Create(_target))
        {
            WriteFile(staging.Path, "model.safetensors", "weights");
            staging.Commit(replaceExisting: false);
            Assert.False(Directory.Exists(staging.Path));
        }

        Assert.Equal("weights", File.ReadAllText(Path.Combine(_target, "model.safetensors")));
        Assert.Equal([_target], Directory.GetFileSystemEntries(_parent.Path));
    }

    [Fact]
    public void Commit_over_an_existing_target_without_replace_throws_and_leaves_both()
    {
        CreateExistingTarget();
        using var staging = StagingFolder.Create(_target);
        WriteFile(staging.Path, "new.txt", "new");

        Assert.Throws<IOException>(() => staging.Commit(replaceExisting: false));

        Assert.Equal(["old.txt"], Directory.GetFiles(_target).Select(Path.GetFileName));
        Assert.Equal("old", File.ReadAllText(Path.Combine(_target, "old.txt")));
        Assert.Equal("new", File.ReadAllText(Path.Combine(staging.Path, "new.txt")));
    }

    [Fact]
    public void Dispose_after_a_refused_commit_removes_only_the_staging_folder()
    {
        CreateExistingTarget();
        string stagingPath;
        using (var staging = StagingFolder.Create(_target))
        {
            stagingPath = staging.Path;
            Assert.Throws<IOException>(() => staging.Commit(replaceExisting: false));
        }

        Assert.False(Directory.Exists(stagingPath));
        Assert.Equal("old", File.ReadAllText(Path.Combine(_target, "old.txt")));
    }

    [Fact]
    public void Commit_with_replace_swaps_the_target_for_the_staged_folder()
    {
        CreateExistingTarget();
        using (var staging = StagingFolder.Create(_target))
        {
            WriteFile(staging.Path, "new.txt", "new");
            staging.Commit(replaceExisting: true);
        }

        Assert.Equal(["new.txt"], Directory.GetFiles(_target).Select(Path.GetFileName));
        // The old folder was renamed aside, then deleted: nothing else is left beside the target.
        Assert.Equal([_target], Directory.GetFileSystemEntries(_parent.Path));
    }

    [Fact]
    public void Commit_with_replace_replaces_a_file_at_the_target_path()
    {
        File.WriteAllText(_target, "a file, not a folder");
        using (var staging = StagingFolder.Create(_target))
        {
            WriteFile(staging.Path, "new.txt", "new");
            staging.Commit(replaceExisting: true);
        }

        Assert.True(Directory.Exists(_target));
        Assert.Equal("new", File.ReadAllText(Path.Combine(_target, "new.txt")));
        Assert.Equal([_target], Directory.GetFileSystemEntries(_parent.Path));
    }

    [Fact]
    public void Dispose_without_commit_deletes_the_staging_folder_and_creates_no_target()
    {
        string stagingPath;
        using (var staging = StagingFolder.Create(_target))
        {
            stagingPath = staging.Path;
            Directory.CreateDirectory(Path.Combine(staging.Path, "nested"));
            WriteFile(staging.Path, "model-00001-of-00002.safetensors", "half");
        }

        Assert.False(Directory.Exists(stagingPath));
        Assert.False(Directory.Exists(_target));
        Assert.Empty(Directory.GetFileSystemEntries(_parent.Path));
    }

    [Fact]
    public void Dispose_without_commit_never_touches_an_existing_target()
    {
        CreateExistingTarget();
        using (var staging = StagingFolder.Create(_target)) WriteFile(staging.Path, "new.txt", "new");

        Assert.Equal(["old.txt"], Directory.GetFiles(_target).Select(Path.GetFileName));
        Assert.Equal([_target], Directory.GetFileSystemEntries(_parent.Path));
    }

    [Fact]
    public void Create_makes_a_missing_parent_folder()
    {
        string target = _parent.Combine(Path.Combine("a", "b", "merged"));

        using var staging = StagingFolder.Create(target);

        Assert.Equal(_parent.Combine(Path.Combine("a", "b")), Path.GetDirectoryName(staging.Path));
    }

    [Theory]
    [InlineData(255, 'n')]
    [InlineData(127, 'é')]
    public void Staging_and_lock_names_stay_within_255_bytes_for_any_name_the_file_system_takes(int length, char letter)
    {
        string target = _parent.Combine(new string(letter, length));
        using var staging = StagingFolder.Create(target);

        var names = Directory.GetFileSystemEntries(_parent.Path).Select(Path.GetFileName).ToList();
        Assert.Equal(2, names.Count);
        Assert.All(names, n => Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(n!), 1, 255));
        Assert.Contains(Path.GetFileName(staging.Path) + ".lock", names);
        Assert.Equal(target, staging.Target);
    }

    [Fact]
    public void A_target_being_staged_cannot_be_staged_again_and_its_staging_is_left_alone()
    {
        using var first = StagingFolder.Create(_target);
        WriteFile(first.Path, "model.safetensors", "half");

        var refused = Assert.Throws<ExportInProgressException>(() => StagingFolder.Create(_target));

        Assert.Equal(Environment.ProcessId, refused.Pid);
        Assert.Equal(first.Path, refused.Staging);
        Assert.Equal("half", File.ReadAllText(Path.Combine(first.Path, "model.safetensors")));
        Assert.Equal(2, Directory.GetFileSystemEntries(_parent.Path).Length);
    }

    [Fact]
    public void Staging_another_target_in_the_same_folder_is_not_refused()
    {
        using var first = StagingFolder.Create(_target);
        using var second = StagingFolder.Create(_target + "-2");
        Assert.True(Directory.Exists(first.Path));
        Assert.True(Directory.Exists(second.Path));
        Assert.Empty(second.Removed);
    }
}
