using ModelMerge.Formats;
using ModelMerge.Formats.Folders;
using ModelMerge.Formats.Safetensors;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Formats;

/// <summary>
/// Stored tensors are read with positional reads, never mapped: a weight file that shrinks under
/// a running merge is an InputChanged error, where a mapped page that vanished would have killed
/// the process with SIGBUS.
/// </summary>
public class TensorReaderTests
{
    private const int Elements = 1 << 20;

    private static float ValueAt(int index) => (index % 1009) * 0.25f - 100f;

    private static (TemporaryFolder Folder, TensorInfo Tensor) WriteTensor()
    {
        var folder = new TemporaryFolder();
        var values = new float[Elements];
        for (int i = 0; i < values.Length; i++) values[i] = ValueAt(i);
        SafetensorsFiles.WriteF32(folder.Path, [new TensorValues("model.embed_tokens.weight", [Elements / 1024, 1024], values)]);
        return (folder, SafetensorsCheckpoint.Open(folder.Path).Tensors.Single());
    }

    [Fact]
    public void A_file_that_shrinks_while_it_is_read_is_InputChanged_naming_file_and_tensor()
    {
        var (folder, info) = WriteTensor();
        using var _ = folder;
        using var reader = TensorReader.Open(info);
        var head = new float[1024];
        Assert.True(reader.ReadSingles(0, head));
        Assert.Equal(ValueAt(1023), head[^1]);

        using (var file = new FileStream(info.FilePath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite)) file.SetLength(info.FileOffset + info.ByteLength / 2);

        var tail = new float[1024];
        var ex = Assert.Throws<CheckpointFormatException>(() => reader.ReadSingles(Elements - 1024, tail));
        Assert.Equal(FileStamp.InputChanged, ex.ErrorId);
        Assert.Equal(info.FilePath, ex.Path);
        Assert.Equal(info.Name, ex.TensorName);
        Assert.Contains("shrank", ex.Message);
        // What is still there reads as before.
        Assert.True(reader.ReadSingles(0, head));
        Assert.Equal(ValueAt(1023), head[^1]);
    }

    [Fact]
    public void Reading_maps_nothing_of_the_file_into_the_process()
    {
        if (!OperatingSystem.IsLinux()) return;
        var (folder, info) = WriteTensor();
        using var _ = folder;
        using var reader = TensorReader.Open(info);
        var values = new float[Elements];

        Assert.True(reader.ReadSingles(0, values));

        Assert.Equal(ValueAt(Elements - 1), values[^1]);
        Assert.DoesNotContain(File.ReadLines("/proc/self/maps"), line => line.EndsWith(info.FilePath, StringComparison.Ordinal));
    }

    [Fact]
    public void Concurrent_reads_of_one_tensor_each_get_their_own_range()
    {
        var (folder, info) = WriteTensor();
        using var _ = folder;
        using var reader = TensorReader.Open(info);
        const int piece = 4096;

        Parallel.For(0, Elements / piece, new ParallelOptions { MaxDegreeOfParallelism = 4 }, p =>
        {
            var values = new float[piece];
            Assert.True(reader.ReadSingles((long)p * piece, values));
            for (int i = 0; i < piece; i += 97) Assert.Equal(ValueAt(p * piece + i), values[i]);
        });
    }

    [Fact]
    public void Reads_outside_the_tensor_are_refused()
    {
        var (folder, info) = WriteTensor();
        using var _ = folder;
        using var reader = TensorReader.Open(info);

        Assert.Throws<ArgumentOutOfRangeException>(() => reader.Read(info.ByteLength - 2, new byte[4]));
        Assert.Throws<ArgumentOutOfRangeException>(() => reader.Read(-1, new byte[1]));
    }
}
