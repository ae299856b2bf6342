using ModelMerge.Formats.Files;
using ModelMerge.Fuzz.Harness;

namespace ModelMerge.Tests.Formats;

/// <summary>One statx wrapper answers both the folder checks (identity, attributes) and the reads (kind, size).</summary>
public sealed class LinuxStatxTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_path_and_its_open_descriptor_give_the_same_file()
    {
        if (!LinuxStatx.Available) return; // Linux with statx only
        string path = _folder.Combine("a.bin");
        File.WriteAllBytes(path, new byte[12345]);

        var byPath = LinuxStatx.Examine(path);
        using var handle = File.OpenHandle(path);
        var byHandle = LinuxStatx.Examine(handle, path);

        Assert.Equal(FileKind.Regular, byPath.Kind);
        Assert.Equal(12345, byPath.Size);
        Assert.Equal(byPath, byHandle);
        Assert.Equal(byPath, LinuxStatx.Of(path, followLinks: true));
        Assert.NotEqual(0UL, byPath.Inode);
    }

    [Fact]
    public void A_link_is_followed_only_when_asked()
    {
        if (!LinuxStatx.Available) return; // Linux with statx only
        string folder = _folder.CreateFolder("real");
        string link = File.CreateSymbolicLink(_folder.Combine("link"), folder).FullName;

        var followed = LinuxStatx.Of(link, followLinks: true)!.Value;
        var itself = LinuxStatx.Of(link, followLinks: false)!.Value;

        Assert.True(followed.IsDirectory);
        Assert.Equal(FileKind.Folder, LinuxStatx.Examine(link).Kind);
        Assert.Equal(LinuxStatx.Of(folder, followLinks: false)!.Value.Inode, followed.Inode);
        Assert.False(itself.IsDirectory);
        Assert.Equal(FileKind.Other, itself.Kind);
        Assert.NotEqual(followed.Inode, itself.Inode);
    }

    [Fact]
    public void A_fifo_and_a_device_are_told_apart_from_files()
    {
        if (!LinuxStatx.Available) return; // Linux with statx only
        string fifo = _folder.Combine("pipe");
        Assert.True(UnixFifo.TryCreate(fifo));

        Assert.Equal(FileKind.Fifo, LinuxStatx.Examine(fifo).Kind);
        Assert.Equal(FileKind.CharacterDevice, LinuxStatx.Examine("/dev/null").Kind);
    }

    [Fact]
    public void Nothing_there_is_null_quietly_and_not_found_when_examined()
    {
        if (!LinuxStatx.Available) return; // Linux with statx only
        string absent = _folder.Combine("absent");
        string file = _folder.Combine("file");
        File.WriteAllText(file, "x");
        string underAFile = Path.Join(file, "child");

        Assert.Null(LinuxStatx.Of(absent, followLinks: true));
        Assert.Null(LinuxStatx.Of(underAFile, followLinks: true));
        Assert.Equal(absent, Assert.Throws<FileNotFoundException>(() => LinuxStatx.Examine(absent)).FileName);
        Assert.Equal(underAFile, Assert.Throws<FileNotFoundException>(() => LinuxStatx.Examine(underAFile)).FileName);
    }
}
