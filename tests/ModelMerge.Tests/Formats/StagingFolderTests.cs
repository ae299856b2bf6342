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
}
