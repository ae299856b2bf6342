using ModelMerge.Formats.Safetensors;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Formats;

public class MappedTensorResidencyTests
{
    private const int Elements = 4 << 20; // 16 MB of float32: thousands of pages

    private static float ValueAt(int index) => (index % 1009) * 0.25f - 100f;

    private static (TemporaryFolder Folder, ModelMerge.Formats.TensorInfo Tensor) WriteTensor()
    {
        var folder = new TemporaryFolder();
        var values = new float[Elements];
        for (int i = 0; i < values.Length; i++) values[i] = ValueAt(i);
        SafetensorsFiles.WriteF32(folder.Path, [new TensorValues("model.embed_tokens.weight", [Elements / 1024, 1024], values)]);
        return (folder, ModelMerge.Formats.Folders.SafetensorsCheckpoint.Open(folder.Path).Tensors.Single());
    }

    [Fact]
    public void Release_lets_go_of_exactly_the_pages_behind_a_pass_and_later_reads_see_the_same_values()
    {
        if (!MappingRss.Available) return;
        var (folder, info) = WriteTensor();
        using var _ = folder;
        using var mapped = MappedTensor.Open(info);
        var all = mapped.Bytes(0, (int)info.ByteLength);
        MappingRss.Touch(all);
        Assert.True(MappingRss.OfMappingHolding(all) >= info.ByteLength, "every touched page is resident");

        mapped.Release(0, Elements / 2);

        long page = Environment.SystemPageSize;
        long resident = MappingRss.OfMappingHolding(all);
        Assert.InRange(resident, info.ByteLength / 2 - page, info.ByteLength / 2 + 2 * page);

        var again = new float[Elements];
        Assert.True(mapped.ReadSingles(0, again));
        for (int i = 0; i < again.Length; i += 997) Assert.Equal(ValueAt(i), again[i]);
        Assert.Equal(ValueAt(Elements - 1), again[^1]);

        mapped.Release(0, Elements);
        Assert.InRange(MappingRss.OfMappingHolding(all), 0, 2 * page);
    }

    [Fact]
    public void Release_and_read_ahead_clip_to_the_tensor_and_ignore_empty_ranges()
    {
        var (folder, info) = WriteTensor();
        using var _ = folder;
        using var mapped = MappedTensor.Open(info);

        mapped.ReadAhead(-10, Elements * 3L);
        mapped.ReadAhead(Elements, Elements + 5);
        mapped.Release(Elements / 2, Elements / 4);
        mapped.Release(-5, Elements * 2L);

        var values = new float[3];
        Assert.True(mapped.ReadSingles(Elements - 3, values));
        Assert.Equal([ValueAt(Elements - 3), ValueAt(Elements - 2), ValueAt(Elements - 1)], values);
    }
}
