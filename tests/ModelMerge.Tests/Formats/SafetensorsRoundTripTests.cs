using System.Text;
using ModelMerge.Formats;
using ModelMerge.Formats.Folders;
using ModelMerge.Formats.Safetensors;
using ModelMerge.TestData;

namespace ModelMerge.Tests.Formats;

/// <summary>Reading files whose every byte the test wrote by hand.</summary>
public sealed class SafetensorsRoundTripTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    // The JSON lists the tensors out of data order on purpose: JSON objects are unordered and
    // the reader must sort by offset. Offsets 22 and 28 are not aligned to the element size.
    private const string MixedHeader =
        """{"d.i64":{"dtype":"I64","shape":[2],"data_offsets":[28,44]},"__metadata__":{"format":"pt","source":"hand-built"},"a.f32":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b.f16":{"dtype":"F16","shape":[3],"data_offsets":[16,22]},"c.bf16":{"dtype":"BF16","shape":[3],"data_offsets":[22,28]}}""";

    private static readonly byte[] MixedData =
    [
        0x00, 0x00, 0x80, 0x3F, /* 1.0f */ 0x00, 0x00, 0x20, 0xC0, /* -2.5f */
        0x00, 0x00, 0x20, 0x3E, /* 0.15625f */ 0xFF, 0xFF, 0x7F, 0x7F, /* float.MaxValue */
        0x00, 0x3C, /* f16 1.0 */ 0x00, 0xC0, /* f16 -2.0 */ 0x01, 0x00, /* f16 2^-24 */
        0x80, 0x3F, /* bf16 1.0 */ 0x00, 0xBF, /* bf16 -0.5 */ 0x49, 0x40, /* bf16 3.140625 */
        0x01, 0, 0, 0, 0, 0, 0, 0, /* 1L */ 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, /* -1L */
    ];

    private string WriteMixed() => HandBuiltSafetensors.Write(_folder.Combine("mixed.safetensors"), MixedHeader, MixedData);

    [Fact]
    public void Header_lists_names_dtypes_shapes_and_offsets_in_data_order()
    {
        string path = WriteMixed();
        long dataStart = 8 + Encoding.UTF8.GetByteCount(MixedHeader);

        var header = SafetensorsHeader.Read(path);

        Assert.Equal(dataStart, header.DataStart);
        Assert.Equal(["a.f32", "b.f16", "c.bf16", "d.i64"], header.Tensors.Select(t => t.Name));
        Assert.Equal([DType.F32, DType.F16, DType.BF16, DType.I64], header.Tensors.Select(t => t.DType));
        Assert.Equal([2L, 2], header.Tensors[0].Shape);
        Assert.Equal([3L], header.Tensors[1].Shape);
        Assert.Equal([dataStart, dataStart + 16, dataStart + 22, dataStart + 28], header.Tensors.Select(t => t.FileOffset));
        Assert.Equal([16L, 6, 6, 16], header.Tensors.Select(t => t.ByteLength));
        Assert.All(header.Tensors, t => Assert.Equal(path, t.FilePath));
    }

    [Fact]
    public void Header_metadata_is_read_as_a_string_map()
    {
        var header = SafetensorsHeader.Read(WriteMixed());

        Assert.Equal(2, header.Metadata.Count);
        Assert.Equal("pt", header.Metadata["format"]);
        Assert.Equal("hand-built", header.Metadata["source"]);
    }

    [Fact]
    public void F32_F16_and_BF16_values_widen_to_the_hand_encoded_numbers()
    {
        var header = SafetensorsHeader.Read(WriteMixed());

        Assert.Equal([1f, -2.5f, 0.15625f, float.MaxValue], ReadAll(header.Tensors[0]));
        Assert.Equal([1f, -2f, (float)Math.ScaleB(1, -24)], ReadAll(header.Tensors[1]));
        Assert.Equal([1f, -0.5f, 3.140625f], ReadAll(header.Tensors[2]));
    }

    [Fact]
    public void ReadSingles_reads_a_range_from_the_middle_of_a_tensor()
    {
        var header = SafetensorsHeader.Read(WriteMixed());
        using var tensor = TensorReader.Open(header.Tensors[0]);
        var middle = new float[2];

        tensor.ReadSingles(1, middle);

        Assert.Equal([-2.5f, 0.15625f], middle);
    }

    [Fact]
    public void I64_bytes_are_returned_unchanged()
    {
        var header = SafetensorsHeader.Read(WriteMixed());
        using var tensor = TensorReader.Open(header.Tensors[3]);

        var bytes = new byte[16];
        tensor.Read(0, bytes);
        var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(bytes).ToArray();

        Assert.Equal(MixedData[28..44], bytes);
        Assert.Equal([1L, -1L], values);
    }

    [Fact]
    public void A_lone_file_opens_as_a_checkpoint_without_a_folder()
    {
        string path = WriteMixed();

        var checkpoint = SafetensorsCheckpoint.Open(path);

        Assert.Null(checkpoint.Folder);
        Assert.Equal([path], checkpoint.Files);
        Assert.Equal(8 + Encoding.UTF8.GetByteCount(MixedHeader) + MixedData.Length, checkpoint.SizeOnDisk);
        Assert.Equal("hand-built", checkpoint.Metadata["source"]);
        Assert.Equal(DType.BF16, checkpoint.Find("c.bf16")!.DType);
        Assert.Null(checkpoint.Find("missing"));
    }

    [Fact]
    public void Header_padded_with_trailing_spaces_is_accepted()
    {
        // Writers pad the header so the data starts 8-byte aligned; the spaces are part of the header.
        string json = HandBuiltSafetensors.OneF32Header("w", 1);
        string padded = json.PadRight((json.Length + 7) / 8 * 8 + 8);
        string path = HandBuiltSafetensors.Write(_folder.Combine("padded.safetensors"), padded, [0x00, 0x00, 0x80, 0x3F]);

        var header = SafetensorsHeader.Read(path);

        Assert.Equal(8 + padded.Length, header.DataStart);
        Assert.Equal([1f], ReadAll(header.Tensors[0]));
    }

    [Fact]
    public void Empty_header_and_no_data_is_a_valid_file_without_tensors()
    {
        string path = HandBuiltSafetensors.Write(_folder.Combine("empty.safetensors"), "{}", []);

        var header = SafetensorsHeader.Read(path);

        Assert.Empty(header.Tensors);
        Assert.Empty(header.Metadata);
    }

    [Fact]
    public void Scalar_and_zero_element_tensors_are_accepted()
    {
        // A scalar (shape []) has one element; a [0, 4] tensor has none and occupies no bytes.
        string json = """{"scalar":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"empty":{"dtype":"F32","shape":[0,4],"data_offsets":[4,4]}}""";
        string path = HandBuiltSafetensors.Write(_folder.Combine("scalar.safetensors"), json, [0x00, 0x00, 0x20, 0xC0]);

        var header = SafetensorsHeader.Read(path);

        var scalar = header.Tensors.Single(t => t.Name == "scalar");
        var empty = header.Tensors.Single(t => t.Name == "empty");
        Assert.Empty(scalar.Shape);
        Assert.Equal(1, scalar.ElementCount);
        Assert.Equal([-2.5f], ReadAll(scalar));
        Assert.Equal(0, empty.ByteLength);
        using var reader = TensorReader.Open(empty);
        reader.Read(0, []);
        Assert.Throws<ArgumentOutOfRangeException>(() => reader.Read(0, new byte[1]));
    }

    [Fact]
    public void Zero_element_tensor_listed_after_the_tensor_that_shares_its_offset_is_accepted()
    {
        // BUG (SafetensorsHeader.Parse sorts by FileOffset only): "empty" [0,0] and "w" [0,4] start
        // at the same offset. The reference reader (huggingface/safetensors, Metadata::try_from)
        // sorts by (begin, end), so the empty tensor comes first and the layout is contiguous,
        // whatever order the JSON object lists them in.
        string json = """{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"empty":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}""";
        string path = HandBuiltSafetensors.Write(_folder.Combine("empty-second.safetensors"), json, [0x00, 0x00, 0x80, 0x3F]);

        var header = SafetensorsHeader.Read(path);

        Assert.Equal(["empty", "w"], header.Tensors.Select(t => t.Name));
    }

    [Fact]
    public void Zero_element_tensor_in_a_header_in_data_order_is_accepted_among_many_tensors()
    {
        // BUG, the same one as above, on the layout huggingface/safetensors itself writes: the
        // header in data order, the empty tensor "t07" at [28,28] before "t08" at [28,32]. With
        // more than 16 tensors List.Sort is an unstable introsort and puts t08 first here.
        var entries = new List<string>();
        long offset = 0;
        for (int i = 0; i < 17; i++)
        {
            int elements = i == 7 ? 0 : 1;
            entries.Add($"\"t{i:D2}\":{{\"dtype\":\"F32\",\"shape\":[{elements}],\"data_offsets\":[{offset},{offset + 4 * elements}]}}");
            offset += 4 * elements;
        }
        string path = HandBuiltSafetensors.Write(_folder.Combine("many.safetensors"), "{" + string.Join(",", entries) + "}", new byte[offset]);

        var header = SafetensorsHeader.Read(path);

        Assert.Equal(17, header.Tensors.Count);
    }

    [Fact]
    public void TensorReader_refuses_a_file_truncated_after_its_header_was_read()
    {
        string path = HandBuiltSafetensors.WriteF32(_folder.Combine("shrinking.safetensors"), ("w", [1f, 2f]));
        var header = SafetensorsHeader.Read(path);
        using (var file = new FileStream(path, FileMode.Open)) file.SetLength(file.Length - 4);

        var ex = Assert.Throws<CheckpointFormatException>(() => TensorReader.Open(header.Tensors[0]));

        // The header's stamp notices first; without a stamp the length check still refuses to read past the end.
        Assert.Equal(FileStamp.InputChanged, ex.ErrorId);
        Assert.Equal("w", ex.TensorName);
        Assert.Contains(path, ex.Message);
        var unstamped = Assert.Throws<CheckpointFormatException>(() => TensorReader.Open(header.Tensors[0] with { Stamp = null }));
        Assert.Equal(SafetensorsErrors.Truncated, unstamped.ErrorId);
    }

    private static float[] ReadAll(TensorInfo info)
    {
        using var tensor = TensorReader.Open(info);
        var values = new float[info.ElementCount];
        tensor.ReadSingles(0, values);
        return values;
    }
}
