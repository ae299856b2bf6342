using ModelMerge.Formats;
using ModelMerge.Formats.Files;
using ModelMerge.Formats.Safetensors;
using ModelMerge.TestData;
using ModelMerge.Fuzz.Harness;

namespace ModelMerge.Tests.Formats;

/// <summary>One test per rule a safetensors header must satisfy; each names the file, and the tensor when one is at fault.</summary>
public sealed class SafetensorsRejectionTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static readonly byte[] FourFloats = new byte[16];

    private CheckpointFormatException Rejected(string headerJson, byte[] data, ulong? declaredHeaderLength = null)
    {
        string path = HandBuiltSafetensors.Write(_folder.Combine("bad.safetensors"), headerJson, data, declaredHeaderLength);
        return RejectedFile(path);
    }

    private static CheckpointFormatException RejectedFile(string path)
    {
        var ex = Assert.Throws<CheckpointFormatException>(() => SafetensorsHeader.Read(path));
        Assert.Equal(path, ex.Path);
        Assert.Contains(path, ex.Message);
        return ex;
    }

    private static void AssertNamesTensor(CheckpointFormatException ex, string tensor)
    {
        Assert.Equal(tensor, ex.TensorName);
        Assert.Contains($"'{tensor}'", ex.Message);
    }

    [Fact]
    public void File_shorter_than_the_length_field_is_truncated()
    {
        string path = _folder.Combine("short.safetensors");
        File.WriteAllBytes(path, [1, 0, 0, 0, 0]);

        var ex = RejectedFile(path);

        Assert.Equal(SafetensorsErrors.Truncated, ex.ErrorId);
    }

    [Fact]
    public void Header_length_above_the_limit_is_refused_before_anything_is_allocated()
    {
        var ex = Rejected("{}", [], declaredHeaderLength: SafetensorsHeader.MaxHeaderBytes + 1);

        Assert.Equal(SafetensorsErrors.HeaderTooLarge, ex.ErrorId);
    }

    [Fact]
    public void Header_length_beyond_the_end_of_the_file_is_truncated()
    {
        var ex = Rejected("{}", [], declaredHeaderLength: 100);

        Assert.Equal(SafetensorsErrors.Truncated, ex.ErrorId);
    }

    [Theory]
    [InlineData("this is not json")]
    [InlineData("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}""")] // the closing brace is missing
    [InlineData("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}} {}""")] // a second value after the object
    public void Header_that_is_not_json_is_refused(string header)
    {
        var ex = Rejected(header, FourFloats);

        Assert.Equal(SafetensorsErrors.HeaderNotJson, ex.ErrorId);
    }

    [Theory]
    [InlineData("[1, 2]")]
    [InlineData("\"model\"")]
    public void Header_json_that_is_not_an_object_is_refused(string header)
    {
        var ex = Rejected(header, []);

        Assert.Equal(SafetensorsErrors.HeaderSchema, ex.ErrorId);
    }

    [Theory]
    [InlineData("""{"w":{"shape":[4],"data_offsets":[0,16]}}""")]
    [InlineData("""{"w":{"dtype":"F32","data_offsets":[0,16]}}""")]
    [InlineData("""{"w":{"dtype":"F32","shape":[4]}}""")]
    public void Entry_missing_a_field_is_refused(string header)
    {
        var ex = Rejected(header, FourFloats);

        Assert.Equal(SafetensorsErrors.HeaderSchema, ex.ErrorId);
        AssertNamesTensor(ex, "w");
    }

    [Theory]
    [InlineData("""{"w":[0,16]}""")] // entry not an object
    [InlineData("""{"w":{"dtype":32,"shape":[4],"data_offsets":[0,16]}}""")]
    [InlineData("""{"w":{"dtype":"F32","shape":"4","data_offsets":[0,16]}}""")]
    [InlineData("""{"w":{"dtype":"F32","shape":[4.5],"data_offsets":[0,16]}}""")]
    [InlineData("""{"w":{"dtype":"F32","shape":[[4]],"data_offsets":[0,16]}}""")]
    [InlineData("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,"16"]}}""")]
    [InlineData("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16,16]}}""")]
    public void Entry_with_a_field_of_the_wrong_type_is_refused(string header)
    {
        var ex = Rejected(header, FourFloats);

        Assert.Equal(SafetensorsErrors.HeaderSchema, ex.ErrorId);
        AssertNamesTensor(ex, "w");
    }

    [Theory]
    [InlineData("""{"w":{"dtype":"F32","dtype":"I32","shape":[4],"data_offsets":[0,16]}}""", "dtype")]                  // last one won: read as I32
    [InlineData("""{"w":{"dtype":"F32","shape":[2,2],"shape":[4],"data_offsets":[0,16]}}""", "shape")]
    [InlineData("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,8],"data_offsets":[0,16]}}""", "data_offsets")]
    [InlineData("""{"w":{"dtype":"F32","d\u0074ype":"I32","shape":[4],"data_offsets":[0,16]}}""", "dtype")]           // the same key through an escape
    public void Entry_naming_a_field_twice_is_refused(string header, string field)
    {
        var ex = Rejected(header, FourFloats);

        Assert.Equal(SafetensorsErrors.HeaderSchema, ex.ErrorId);
        AssertNamesTensor(ex, "w");
        Assert.Contains($"'{field}' twice", ex.Message);
    }

    [Fact]
    public void Metadata_value_that_is_not_a_string_is_refused()
    {
        var ex = Rejected("""{"__metadata__":{"format":1}}""", []);

        Assert.Equal(SafetensorsErrors.HeaderSchema, ex.ErrorId);
        Assert.Contains("format", ex.Message);
    }

    [Fact]
    public void Negative_dimension_is_refused()
    {
        var ex = Rejected("""{"w":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}}""", FourFloats);

        Assert.Equal(SafetensorsErrors.HeaderSchema, ex.ErrorId);
        AssertNamesTensor(ex, "w");
        Assert.Contains("shape", ex.Message);
    }

    [Theory]
    [InlineData("F128")]
    [InlineData("f32")] // header dtype names are case-sensitive
    [InlineData("float32")] // torch's name, not the safetensors one
    public void Unknown_dtype_is_refused(string dtype)
    {
        var ex = Rejected("{\"w\":{\"dtype\":\"" + dtype + "\",\"shape\":[4],\"data_offsets\":[0,16]}}", FourFloats);

        Assert.Equal(SafetensorsErrors.UnknownDType, ex.ErrorId);
        AssertNamesTensor(ex, "w");
        Assert.Contains(dtype, ex.Message);
    }

    [Fact]
    public void Offsets_with_begin_after_end_are_refused()
    {
        var ex = Rejected("""{"w":{"dtype":"F32","shape":[0],"data_offsets":[16,0]}}""", FourFloats);

        Assert.Equal(SafetensorsErrors.HeaderSchema, ex.ErrorId);
        AssertNamesTensor(ex, "w");
        Assert.Contains("begin <= end", ex.Message);
    }

    [Fact]
    public void Offsets_past_the_data_section_mean_a_truncated_file()
    {
        var ex = Rejected(HandBuiltSafetensors.OneF32Header("w", 4), new byte[8]);

        Assert.Equal(SafetensorsErrors.OffsetsOutOfBounds, ex.ErrorId);
        AssertNamesTensor(ex, "w");
    }

    [Fact]
    public void Overlapping_tensors_are_refused()
    {
        string header = """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""";

        var ex = Rejected(header, new byte[12]);

        Assert.Equal(SafetensorsErrors.OffsetsOverlap, ex.ErrorId);
        AssertNamesTensor(ex, "b");
    }

    [Fact]
    public void Gap_between_tensors_is_refused()
    {
        string header = """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""";

        var ex = Rejected(header, new byte[12]);

        Assert.Equal(SafetensorsErrors.OffsetsGap, ex.ErrorId);
        AssertNamesTensor(ex, "b");
    }

    [Fact]
    public void Gap_before_the_first_tensor_is_refused()
    {
        var ex = Rejected("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", new byte[8]);

        Assert.Equal(SafetensorsErrors.OffsetsGap, ex.ErrorId);
        AssertNamesTensor(ex, "a");
    }

    [Fact]
    public void Trailing_bytes_after_the_last_tensor_are_refused()
    {
        var ex = Rejected(HandBuiltSafetensors.OneF32Header("w", 4), new byte[20]);

        Assert.Equal(SafetensorsErrors.OffsetsGap, ex.ErrorId);
        Assert.Null(ex.TensorName);
        Assert.Contains("trailing", ex.Message);
    }

    [Theory]
    [InlineData("F32", "[3]", 8)] // 3 x 4 bytes = 12, not 8
    [InlineData("BF16", "[2,3]", 16)] // 2 x 3 x 2 bytes = 12, not 16
    [InlineData("I64", "[]", 4)] // a scalar I64 is 8 bytes
    public void Byte_length_that_differs_from_dtype_size_times_elements_is_refused(string dtype, string shape, int bytes)
    {
        var ex = Rejected($"{{\"w\":{{\"dtype\":\"{dtype}\",\"shape\":{shape},\"data_offsets\":[0,{bytes}]}}}}", new byte[bytes]);

        Assert.Equal(SafetensorsErrors.ByteLengthMismatch, ex.ErrorId);
        AssertNamesTensor(ex, "w");
    }

    [Fact]
    public void Shape_whose_byte_length_overflows_is_refused()
    {
        var ex = Rejected("""{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,16]}}""", FourFloats);

        Assert.Equal(SafetensorsErrors.ByteLengthMismatch, ex.ErrorId);
        AssertNamesTensor(ex, "w");
    }

    [Fact]
    public void Tensor_named_twice_in_one_header_is_refused()
    {
        string header = """{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""";

        var ex = Rejected(header, new byte[8]);

        Assert.Equal(SafetensorsErrors.DuplicateTensor, ex.ErrorId);
        AssertNamesTensor(ex, "w");
    }

    [Theory]
    [InlineData("""{"\ud800":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""")] // a tensor name escaping half a surrogate pair
    [InlineData("""{"w":{"dtype":"\udc00","shape":[1],"data_offsets":[0,4]}}""")]
    [InlineData("""{"__metadata__":{"\ud800":"x"},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""")]
    [InlineData("""{"__metadata__":{"format":"\udfff\ud800"},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""")]
    public void Header_string_escaping_a_lone_surrogate_is_not_json(string header)
    {
        var ex = Rejected(header, new byte[4]);

        Assert.Equal(SafetensorsErrors.HeaderNotJson, ex.ErrorId);
        Assert.IsType<InvalidOperationException>(ex.InnerException);
    }

    [Theory]
    [InlineData(3)]  // in the tensor name
    [InlineData(17)] // in the dtype
    public void Header_string_that_is_not_utf8_is_not_json(int at)
    {
        byte[] header = System.Text.Encoding.UTF8.GetBytes("""{"wx":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""");
        header[at] = 0xC3; // a lead byte with no continuation

        var ex = Assert.Throws<CheckpointFormatException>(() => SafetensorsHeader.Parse(header, 8 + header.Length + 4, "bad.safetensors"));

        Assert.Equal(SafetensorsErrors.HeaderNotJson, ex.ErrorId);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Fifo_named_like_a_safetensors_file_is_refused_without_opening_it(bool throughLink)
    {
        string fifo = _folder.Combine("pipe.safetensors");
        if (!UnixFifo.TryCreate(fifo)) return; // no FIFOs on Windows
        string path = fifo;
        if (throughLink) path = File.CreateSymbolicLink(_folder.Combine("link.safetensors"), fifo).FullName;

        var ex = FifoTrap.Refusal<CheckpointFormatException>(fifo, () => SafetensorsHeader.Read(path));

        Assert.Equal(FileErrors.NotARegularFile, ex.ErrorId);
        Assert.Contains("FIFO", ex.Message);
    }
}
