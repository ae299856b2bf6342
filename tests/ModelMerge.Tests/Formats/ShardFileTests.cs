using ModelMerge.Formats.Safetensors;

namespace ModelMerge.Tests.Formats;

/// <summary>
/// Shard files written through the page cache and around it (O_DIRECT, where the file system
/// allows) hold the same bytes, whatever the length's alignment.
/// </summary>
public sealed class ShardFileTests
{
    public static TheoryData<int> Lengths => new() { 1, 4095, 4096, 4097, (8 << 20) + 123, (17 << 20) + 4096 };

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Direct_and_buffered_files_hold_the_bytes_written_in_uneven_pieces(int length)
    {
        using var folder = new TemporaryFolder();
        var data = new byte[length];
        new Random(length).NextBytes(data);

        foreach (bool direct in new[] { false, true })
        {
            string path = folder.Combine(direct ? "direct.bin" : "buffered.bin");
            using (var file = ShardFile.Create(path, length, preferDirect: direct))
            {
                if (!direct) Assert.False(file.IsDirect);
                // Pieces of awkward sizes cross the aligned buffer's edges at odd places.
                for (int offset = 0, piece = 1; offset < length; offset += piece, piece = piece * 3 % 1_000_003 + 7)
                    file.Write(data.AsSpan(offset, Math.Min(piece, length - offset)));
                file.Complete();
            }
            Assert.Equal(data, File.ReadAllBytes(path));
        }
    }

    [Fact]
    public void On_linux_file_systems_known_to_support_it_writes_bypass_the_page_cache()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var folder = new TemporaryFolder();
        string fileSystem = DriveInfo.GetDrives()
            .Where(d => folder.Path.StartsWith(d.Name, StringComparison.Ordinal))
            .OrderByDescending(d => d.Name.Length).First().DriveFormat;
        if (fileSystem is not ("ext4" or "xfs" or "btrfs")) return;

        using var file = ShardFile.Create(folder.Combine("probe.bin"), 1);

        Assert.True(file.IsDirect, $"a shard on {fileSystem} should be written with O_DIRECT");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Completing_short_of_the_declared_length_is_refused(bool direct)
    {
        using var folder = new TemporaryFolder();
        using var file = ShardFile.Create(folder.Combine("short.bin"), 10_000, direct);
        file.Write(new byte[9_999]);

        Assert.Throws<InvalidOperationException>(file.Complete);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Writing_past_the_declared_length_is_refused(bool direct)
    {
        using var folder = new TemporaryFolder();
        using var file = ShardFile.Create(folder.Combine("long.bin"), 10, direct);
        var tooMuch = new byte[(8 << 20) + 1];

        Assert.Throws<InvalidOperationException>(() => file.Write(tooMuch));
    }

    [Fact]
    public void An_existing_file_is_never_overwritten()
    {
        using var folder = new TemporaryFolder();
        string path = folder.Combine("taken.bin");
        File.WriteAllText(path, "keep");

        Assert.Throws<IOException>(() => ShardFile.Create(path, 4, preferDirect: true).Dispose());
        Assert.Throws<IOException>(() => ShardFile.Create(path, 4, preferDirect: false).Dispose());
        Assert.Equal("keep", File.ReadAllText(path));
    }

    [Theory]
    [InlineData(100)]
    [InlineData((8 << 20) + 100)]
    public void A_refused_first_direct_write_falls_back_to_a_buffered_file_with_the_same_bytes(int length)
    {
        using var folder = new TemporaryFolder();
        var data = new byte[length];
        new Random(length).NextBytes(data);
        string path = folder.Combine("fallback.bin");
        DirectShardFile.RefuseDirectWritesForTests = true;
        try
        {
            using var file = DirectShardFile.TryCreate(path, length);
            if (file is null) return; // this file system refuses O_DIRECT at open: nothing to fall back from
            file.Write(data.AsSpan(0, length / 2));
            file.Write(data.AsSpan(length / 2));
            file.Complete();
            Assert.False(file.IsDirect);
        }
        finally { DirectShardFile.RefuseDirectWritesForTests = false; }
        Assert.Equal(data, File.ReadAllBytes(path));
    }
}
