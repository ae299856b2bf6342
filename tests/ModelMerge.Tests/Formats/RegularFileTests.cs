using ModelMerge.Formats;
using ModelMerge.Formats.Files;
using ModelMerge.Fuzz.Harness;

namespace ModelMerge.Tests.Formats;

/// <summary>Every file read whole is a regular file under its cap; anything else is refused before it is read.</summary>
public sealed class RegularFileTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_regular_file_reads_whole_and_through_a_link()
    {
        string path = _folder.Combine("a.json");
        File.WriteAllBytes(path, [1, 2, 3]);
        string link = File.CreateSymbolicLink(_folder.Combine("link.json"), path).FullName;

        Assert.Equal([1, 2, 3], RegularFile.ReadAll(path, 3, "a test file"));
        Assert.Equal([1, 2, 3], RegularFile.ReadAll(link, 3, "a test file"));
    }

    [Fact]
    public void A_file_over_the_cap_is_refused_unread()
    {
        string path = _folder.Combine("big.json");
        using (var stream = File.Create(path)) stream.SetLength(1L << 40); // sparse: a terabyte that takes no disk

        var ex = Assert.Throws<CheckpointFormatException>(() => RegularFile.ReadAll(path, 1 << 20, "a test file"));

        Assert.Equal(FileErrors.TooLarge, ex.ErrorId);
        Assert.Equal(path, ex.Path);
        Assert.Contains($"{1L << 40} bytes", ex.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_fifo_is_refused_without_blocking(bool throughLink)
    {
        string fifo = _folder.Combine("pipe");
        if (!UnixFifo.TryCreate(fifo)) return; // no FIFOs on Windows
        string path = throughLink ? File.CreateSymbolicLink(_folder.Combine("tokenizer.json"), fifo).FullName : fifo;

        var ex = FifoTrap.Refusal<CheckpointFormatException>(fifo, () => RegularFile.ReadAll(path, 1 << 20, "a test file"));

        Assert.Equal(FileErrors.NotARegularFile, ex.ErrorId);
        Assert.Equal(path, ex.Path);
        Assert.Contains("FIFO", ex.Message);
    }

    [Fact]
    public void A_device_is_refused_unread()
    {
        if (!File.Exists("/dev/zero")) return; // no devices as files on Windows
        string link = File.CreateSymbolicLink(_folder.Combine("tokenizer.model"), "/dev/zero").FullName;

        var ex = Assert.Throws<CheckpointFormatException>(() => RegularFile.ReadAll(link, 1 << 20, "a test file"));

        Assert.Equal(FileErrors.NotARegularFile, ex.ErrorId);
        Assert.Contains("device", ex.Message);
    }

    [Fact]
    public void A_folder_is_refused()
    {
        string folder = _folder.CreateFolder("config.json");

        var ex = Assert.Throws<CheckpointFormatException>(() => RegularFile.ReadAll(folder, 1 << 20, "a test file"));

        Assert.Equal(FileErrors.NotARegularFile, ex.ErrorId);
        Assert.Contains("folder", ex.Message);
    }

    [Fact]
    public void Nothing_there_is_not_found()
    {
        Assert.Throws<FileNotFoundException>(() => RegularFile.ReadAll(_folder.Combine("absent"), 1 << 20, "a test file"));
        File.CreateSymbolicLink(_folder.Combine("dangling"), _folder.Combine("gone"));
        Assert.Throws<FileNotFoundException>(() => RegularFile.ReadAll(_folder.Combine("dangling"), 1 << 20, "a test file"));
    }
}
