using ModelMerge.Formats.Folders;

namespace ModelMerge.Tests.Formats;

public sealed class FileIdentityTests : IDisposable
{
    private readonly TemporaryFolder _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public void A_folder_and_a_link_to_it_are_one_identity_and_another_folder_is_not()
    {
        string models = _root.CreateFolder("models");
        string other = _root.CreateFolder("other");
        Directory.CreateSymbolicLink(_root.Combine("link"), "models");

        Assert.Equal(FileIdentity.Of(models), FileIdentity.Of(_root.Combine("link")));
        Assert.Equal(FileIdentity.Of(models), FileIdentity.Of(Path.Combine(other, "..", "models")));
        Assert.NotEqual(FileIdentity.Of(models), FileIdentity.Of(other));
        Assert.Null(FileIdentity.Of(_root.Combine("missing")));
    }

    [Fact]
    public void A_file_reached_through_a_linked_folder_has_the_real_folders_above_it()
    {
        string weights = Path.Combine(_root.CreateFolder(Path.Combine("store", "blobs")), "weights");
        File.WriteAllText(weights, "w");
        string snapshot = _root.CreateFolder("snapshot");
        File.CreateSymbolicLink(Path.Combine(snapshot, "model.safetensors"), weights);

        var chain = FileIdentity.SelfAndAncestors(Path.Combine(snapshot, "model.safetensors")).ToList();

        Assert.Equal(FileIdentity.Of(weights), chain[0]);
        Assert.Equal(FileIdentity.Of(_root.Combine(Path.Combine("store", "blobs"))), chain[1]);
        Assert.Contains(FileIdentity.Of(_root.Combine("store"))!.Value, chain);
        Assert.Contains(FileIdentity.Of(_root.Path)!.Value, chain);
        Assert.DoesNotContain(FileIdentity.Of(snapshot)!.Value, chain);
        Assert.Equal(FileIdentity.Of(Path.GetPathRoot(_root.Path)!), chain[^1]);
    }

    [Fact]
    public void The_folders_above_a_linked_folder_are_those_of_where_it_leads()
    {
        string inner = _root.CreateFolder(Path.Combine("real", "inner"));
        _root.CreateFolder("elsewhere");
        Directory.CreateSymbolicLink(_root.Combine(Path.Combine("elsewhere", "shortcut")), inner);

        var chain = FileIdentity.SelfAndAncestors(_root.Combine(Path.Combine("elsewhere", "shortcut"))).ToList();

        Assert.Equal(FileIdentity.Of(inner), chain[0]);
        Assert.Equal(FileIdentity.Of(_root.Combine("real")), chain[1]);
        Assert.DoesNotContain(FileIdentity.Of(_root.Combine("elsewhere"))!.Value, chain);
    }
}
