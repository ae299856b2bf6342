using System.Text.Json.Nodes;
using ModelMerge.Formats;
using ModelMerge.Formats.Files;
using ModelMerge.Formats.Folders;
using ModelMerge.Fuzz.Harness;

namespace ModelMerge.Tests.Formats;

public sealed class CompanionFilesTests : IDisposable
{
    private readonly TemporaryFolder _root = new();
    private readonly string _donor;
    private readonly string _destination;

    public CompanionFilesTests()
    {
        _donor = _root.CreateFolder("donor");
        _destination = _root.CreateFolder("out");
    }

    public void Dispose() => _root.Dispose();

    private const string DonorConfig = """
        {
          "architectures": ["LlamaForCausalLM"],
          "hidden_size": 64,
          "rope_scaling": {"type": "linear", "factor": 2.0},
          "torch_dtype": "bfloat16",
          "tie_word_embeddings": false
        }
        """;

    private void Donor(string name, string text) => File.WriteAllText(Path.Combine(_donor, name), text);

    private JsonObject OutputConfig() => JsonNode.Parse(File.ReadAllText(Path.Combine(_destination, "config.json")))!.AsObject();

    [Fact]
    public void Copies_the_companions_present_and_nothing_else()
    {
        Donor("config.json", DonorConfig);
        Donor("tokenizer.json", "{\"model\":{\"type\":\"BPE\"}}");
        Donor("generation_config.json", "{\"max_length\":2048}");
        Donor("README.md", "not a companion");
        Donor("model.safetensors", "weights are written, not copied");
        Donor("pytorch_model.bin", "never");

        var copied = CompanionFiles.Read(_donor).WriteInto(_destination, DType.F16);

        Assert.Equal(["config.json", "generation_config.json", "tokenizer.json"], copied);
        Assert.Equal(["config.json", "generation_config.json", "tokenizer.json"],
            Directory.GetFiles(_destination).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Copied_files_are_byte_for_byte_identical()
    {
        // A BOM, CRLF and a non-ASCII character: a text round trip would change some of them.
        byte[] tokenizer = [0xEF, 0xBB, 0xBF, .. "{\r\n\"a\": \""u8, 0xC3, 0xA9, .. "\"}"u8];
        byte[] model = [0x0A, 0x00, 0xFF, 0x80];
        File.WriteAllBytes(Path.Combine(_donor, "tokenizer_config.json"), tokenizer);
        File.WriteAllBytes(Path.Combine(_donor, "tokenizer.model"), model);

        CompanionFiles.Read(_donor).WriteInto(_destination, DType.BF16);

        Assert.Equal(tokenizer, File.ReadAllBytes(Path.Combine(_destination, "tokenizer_config.json")));
        Assert.Equal(model, File.ReadAllBytes(Path.Combine(_destination, "tokenizer.model")));
    }

    [Theory]
    [InlineData(DType.F16, "float16")]
    [InlineData(DType.F32, "float32")]
    [InlineData(DType.BF16, "bfloat16")]
    public void Config_torch_dtype_becomes_the_output_dtype_and_other_keys_stay(DType output, string torchName)
    {
        Donor("config.json", DonorConfig);

        CompanionFiles.Read(_donor).WriteInto(_destination, output);

        var expected = JsonNode.Parse(DonorConfig)!.AsObject();
        expected["torch_dtype"] = torchName;
        Assert.True(JsonNode.DeepEquals(expected, OutputConfig()), OutputConfig().ToJsonString());
    }

    [Fact]
    public void Config_without_torch_dtype_gains_one()
    {
        Donor("config.json", """{"hidden_size": 64}""");

        CompanionFiles.Read(_donor).WriteInto(_destination, DType.F16);

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"hidden_size": 64, "torch_dtype": "float16"}"""), OutputConfig()));
    }

    [Fact]
    public void Config_keeps_its_torch_dtype_when_no_output_dtype_is_given()
    {
        Donor("config.json", DonorConfig);

        CompanionFiles.Read(_donor).WriteInto(_destination, outputDType: null);

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(DonorConfig), OutputConfig()));
    }

    [Fact]
    public void Folder_without_companions_copies_nothing()
    {
        var copied = CompanionFiles.Read(_donor).WriteInto(_destination, DType.BF16);

        Assert.Empty(copied);
        Assert.Empty(Directory.GetFileSystemEntries(_destination));
    }

    [Theory]
    [InlineData("{\"hidden_size\": ")]
    [InlineData("[1, 2]")]
    public void Config_that_is_not_a_json_object_is_refused(string config)
    {
        Donor("config.json", config);

        var ex = Assert.Throws<CheckpointFormatException>(() => CompanionFiles.Read(_donor).WriteInto(_destination, DType.BF16));

        Assert.Equal("ConfigInvalid", ex.ErrorId);
        Assert.Equal(Path.Combine(_donor, "config.json"), ex.Path);
    }

    [Theory]
    [InlineData("""{"hidden_size": 64, "hidden_size": 128}""")]                  // System.Text.Json threw ArgumentException on the rewrite
    [InlineData("""{"rope_scaling": {"factor": 2.0, "factor": 4.0}}""")]       // written back twice, leaving the choice to the next reader
    [InlineData("""{"hidden_size": 64, "hidden\u005fsize": 128}""")]             // the same key, spelled with an escape
    public void Config_that_names_a_key_twice_is_refused(string config)
    {
        Donor("config.json", config);

        var ex = Assert.Throws<CheckpointFormatException>(() => CompanionFiles.Read(_donor).WriteInto(_destination, DType.BF16));

        Assert.Equal(CheckpointErrors.ConfigInvalid, ex.ErrorId);
        Assert.Contains("twice", ex.Message);
        Assert.False(File.Exists(Path.Combine(_destination, "config.json")));
    }

    [Theory]
    [InlineData("""{"_name_or_path": "\ud800"}""")]                // System.Text.Json threw InvalidOperationException on the rewrite
    [InlineData("""{"rope_scaling": {"\udc00": 1}}""")]
    [InlineData("""{"architectures": ["Llama\udfff\ud800"]}""")]
    public void Config_with_a_string_escaping_a_lone_surrogate_is_refused(string config)
    {
        Donor("config.json", config);

        var ex = Assert.Throws<CheckpointFormatException>(() => CompanionFiles.Read(_donor).WriteInto(_destination, DType.BF16));

        Assert.Equal(CheckpointErrors.ConfigInvalid, ex.ErrorId);
        Assert.IsType<InvalidOperationException>(ex.InnerException);
    }

    private string Secret()
    {
        string secret = _root.Combine("secret.txt");
        File.WriteAllText(secret, "{\"password\": \"hunter2\"}");
        return secret;
    }

    [Theory]
    [InlineData("tokenizer_config.json")]
    [InlineData("special_tokens_map.json")]
    [InlineData("config.json")]
    [InlineData("tokenizer.model")]
    public void A_companion_that_links_out_of_the_folder_is_refused_by_name(string name)
    {
        string secret = Secret();
        File.CreateSymbolicLink(Path.Combine(_donor, name), secret);

        var ex = Assert.Throws<CheckpointFormatException>(() => CompanionFiles.Read(_donor));

        Assert.Equal(CheckpointErrors.CompanionOutsideFolder, ex.ErrorId);
        Assert.Equal(Path.Combine(_donor, name), ex.Path);
        Assert.Contains($"'{secret}'", ex.Message);
    }

    [Fact]
    public void A_companion_that_links_to_a_file_inside_the_folder_is_copied()
    {
        Directory.CreateDirectory(Path.Combine(_donor, "files"));
        File.WriteAllText(Path.Combine(_donor, "files", "tok.json"), "{\"v\": 1}");
        File.CreateSymbolicLink(Path.Combine(_donor, "tokenizer.json"), "files/tok.json");

        var copied = CompanionFiles.Read(_donor).WriteInto(_destination, DType.BF16);

        Assert.Equal(["tokenizer.json"], copied);
        Assert.Equal("{\"v\": 1}", File.ReadAllText(Path.Combine(_destination, "tokenizer.json")));
        Assert.Null(new FileInfo(Path.Combine(_destination, "tokenizer.json")).LinkTarget);
    }

    [Theory]
    [InlineData("tokenizer.json")]
    [InlineData("config.json")]
    public void A_companion_that_is_a_fifo_is_refused_without_blocking(string name)
    {
        string fifo = Path.Combine(_donor, name);
        if (!UnixFifo.TryCreate(fifo)) return; // no FIFOs on Windows

        var ex = FifoTrap.Refusal<CheckpointFormatException>(fifo, () => CompanionFiles.Read(_donor));

        Assert.Equal(FileErrors.NotARegularFile, ex.ErrorId);
        Assert.Equal(fifo, ex.Path);
    }

    [Fact]
    public void A_companion_that_is_a_folder_is_refused()
    {
        Directory.CreateDirectory(Path.Combine(_donor, "tokenizer.json"));

        var ex = Assert.Throws<CheckpointFormatException>(() => CompanionFiles.Read(_donor));

        Assert.Equal(FileErrors.NotARegularFile, ex.ErrorId);
    }

    [Fact]
    public void A_companion_over_the_cap_is_refused_unread()
    {
        string model = Path.Combine(_donor, "tokenizer.model");
        using (var stream = File.Create(model)) stream.SetLength(CompanionFiles.MaxFileBytes + 1); // sparse

        var ex = Assert.Throws<CheckpointFormatException>(() => CompanionFiles.Read(_donor));

        Assert.Equal(FileErrors.TooLarge, ex.ErrorId);
        Assert.Equal(model, ex.Path);
    }

    [Theory]
    [InlineData("tokenizer.json", "{\"model\": ")]
    [InlineData("generation_config.json", "not json")]
    [InlineData("chat_template.json", "{\"a\": 1,}")]
    public void A_json_companion_that_is_not_json_is_refused(string name, string text)
    {
        Donor(name, text);

        var ex = Assert.Throws<CheckpointFormatException>(() => CompanionFiles.Read(_donor));

        Assert.Equal(CheckpointErrors.CompanionInvalid, ex.ErrorId);
        Assert.Equal(Path.Combine(_donor, name), ex.Path);
    }

    [Fact]
    public void A_dangling_link_is_refused_not_skipped()
    {
        File.CreateSymbolicLink(Path.Combine(_donor, "tokenizer.json"), "gone.json");

        var ex = Assert.Throws<CheckpointFormatException>(() => CompanionFiles.Read(_donor));

        Assert.Equal(CheckpointErrors.CompanionUnreadable, ex.ErrorId);
        Assert.Contains("does not exist", ex.Message);
    }

    [Fact]
    public void The_copy_writes_the_bytes_that_were_checked()
    {
        string tokenizer = Path.Combine(_donor, "tokenizer.json");
        Donor("tokenizer.json", "{\"checked\": true}");
        var companions = CompanionFiles.Read(_donor);

        File.Delete(tokenizer);
        File.CreateSymbolicLink(tokenizer, Secret());
        companions.WriteInto(_destination, DType.BF16);

        Assert.Equal("{\"checked\": true}", File.ReadAllText(Path.Combine(_destination, "tokenizer.json")));
    }
}
