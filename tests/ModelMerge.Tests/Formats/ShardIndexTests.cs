using ModelMerge.Formats;
using ModelMerge.Formats.Files;
using ModelMerge.Formats.Folders;
using ModelMerge.TestData;
using ModelMerge.Formats.Safetensors;
using ModelMerge.Fuzz.Harness;

namespace ModelMerge.Tests.Formats;

/// <summary>
/// model.safetensors.index.json comes from strangers: every shard it names must be a file inside
/// the folder, and the index and the shards must agree tensor for tensor.
/// </summary>
public sealed class ShardIndexTests : IDisposable
{
    private readonly TemporaryFolder _root = new();
    private readonly string _model;

    public ShardIndexTests() => _model = _root.CreateFolder("model");

    public void Dispose() => _root.Dispose();

    private string IndexPath => Path.Combine(_model, ShardIndex.FileName);

    private string Shard(string name, params (string Name, float[] Values)[] tensors) =>
        HandBuiltSafetensors.WriteF32(Path.Combine(_model, name), tensors);

    private void WriteIndex(string weightMapJson) =>
        File.WriteAllText(IndexPath, $$"""{"metadata":{"total_size":8},"weight_map":{{weightMapJson}}}""");

    private CheckpointFormatException OpenRejected()
    {
        var ex = Assert.Throws<CheckpointFormatException>(() => SafetensorsCheckpoint.Open(_model));
        Assert.Contains(ex.Path, ex.Message);
        return ex;
    }

    private static void AssertNamesTensor(CheckpointFormatException ex, string tensor)
    {
        Assert.Equal(tensor, ex.TensorName);
        Assert.Contains($"'{tensor}'", ex.Message);
    }

    [Fact]
    public void Index_maps_tensors_to_full_shard_paths_in_first_mention_order()
    {
        string second = Shard("b.safetensors", ("y", [2f]));
        string first = Shard("a.safetensors", ("x", [1f]), ("z", [3f]));
        WriteIndex("""{"y":"b.safetensors","x":"a.safetensors","z":"a.safetensors"}""");

        var index = ShardIndex.Read(IndexPath);

        Assert.Equal([second, first], index.ShardPaths);
        Assert.Equal(first, index.WeightMap["x"]);
        Assert.Equal(second, index.WeightMap["y"]);
        Assert.Equal(first, index.WeightMap["z"]);
    }

    [Fact]
    public void Sharded_folder_opens_with_every_tensor_of_every_shard()
    {
        Shard("a.safetensors", ("x", [1f]));
        Shard("b.safetensors", ("y", [2f, 3f]));
        WriteIndex("""{"x":"a.safetensors","y":"b.safetensors"}""");

        var checkpoint = SafetensorsCheckpoint.Open(_model);

        Assert.Equal(_model, checkpoint.Folder);
        Assert.Equal(2, checkpoint.Files.Count);
        Assert.Equal([1L], checkpoint.Find("x")!.Shape);
        Assert.Equal([2L], checkpoint.Find("y")!.Shape);
    }

    [Fact]
    public void Symlink_to_a_file_inside_the_folder_is_accepted()
    {
        Directory.CreateDirectory(Path.Combine(_model, "blobs"));
        string blob = Shard(Path.Combine("blobs", "abc123"), ("x", [1f]));
        File.CreateSymbolicLink(Path.Combine(_model, "a.safetensors"), blob);
        WriteIndex("""{"x":"a.safetensors"}""");

        var checkpoint = SafetensorsCheckpoint.Open(_model);

        Assert.NotNull(checkpoint.Find("x"));
    }

    [Fact]
    public void Index_that_is_not_json_is_refused()
    {
        Shard("a.safetensors", ("x", [1f]));
        File.WriteAllText(IndexPath, "{\"weight_map\": {\"x\": ");

        var ex = OpenRejected();

        Assert.Equal(CheckpointErrors.IndexInvalid, ex.ErrorId);
        Assert.Equal(IndexPath, ex.Path);
    }

    [Theory]
    [InlineData("""{"metadata":{"total_size":4}}""")]
    [InlineData("""{"weight_map":["a.safetensors"]}""")]
    [InlineData("""["a.safetensors"]""")]
    [InlineData("""{"weight_map":{}}""")]
    public void Index_without_a_weight_map_object_is_refused(string json)
    {
        Shard("a.safetensors", ("x", [1f]));
        File.WriteAllText(IndexPath, json);

        var ex = OpenRejected();

        Assert.Equal(CheckpointErrors.IndexInvalid, ex.ErrorId);
        Assert.Equal(IndexPath, ex.Path);
    }

    [Fact]
    public void Weight_map_value_that_is_not_a_string_is_refused()
    {
        Shard("a.safetensors", ("x", [1f]));
        WriteIndex("""{"x":1}""");

        var ex = OpenRejected();

        Assert.Equal(CheckpointErrors.IndexInvalid, ex.ErrorId);
        AssertNamesTensor(ex, "x");
    }

    [Fact]
    public void Absolute_shard_path_is_refused_even_when_the_file_exists()
    {
        using var elsewhere = new TemporaryFolder();
        string outside = HandBuiltSafetensors.WriteF32(elsewhere.Combine("a.safetensors"), ("x", [1f]));
        WriteIndex($$"""{"x":"{{outside}}"}""");

        var ex = OpenRejected();

        Assert.Equal(CheckpointErrors.ShardOutsideFolder, ex.ErrorId);
        Assert.Equal(IndexPath, ex.Path);
        AssertNamesTensor(ex, "x");
    }

    [Theory]
    [InlineData("../outside.safetensors")]
    [InlineData("sub/../../outside.safetensors")]
    [InlineData("sub/../a.safetensors")] // stays inside, but ".." is refused outright rather than reasoned about
    public void Shard_path_with_dot_dot_is_refused(string shard)
    {
        Directory.CreateDirectory(Path.Combine(_model, "sub"));
        Shard("a.safetensors", ("x", [1f]));
        HandBuiltSafetensors.WriteF32(_root.Combine("outside.safetensors"), ("x", [1f]));
        WriteIndex($$"""{"x":"{{shard}}"}""");

        var ex = OpenRejected();

        Assert.Equal(CheckpointErrors.ShardOutsideFolder, ex.ErrorId);
        Assert.Equal(IndexPath, ex.Path);
        AssertNamesTensor(ex, "x");
    }

    [Fact]
    public void Symlink_shard_pointing_outside_the_folder_is_refused()
    {
        string outside = HandBuiltSafetensors.WriteF32(_root.Combine("secret.safetensors"), ("x", [1f]));
        File.CreateSymbolicLink(Path.Combine(_model, "a.safetensors"), outside);
        WriteIndex("""{"x":"a.safetensors"}""");

        var ex = OpenRejected();

        Assert.Equal(CheckpointErrors.ShardOutsideFolder, ex.ErrorId);
        Assert.Equal(IndexPath, ex.Path);
        AssertNamesTensor(ex, "x");
    }

    [Fact]
    public void Shard_inside_a_symlinked_folder_pointing_outside_is_refused()
    {
        string outsideFolder = _root.CreateFolder("elsewhere");
        HandBuiltSafetensors.WriteF32(Path.Combine(outsideFolder, "a.safetensors"), ("x", [1f]));
        Directory.CreateSymbolicLink(Path.Combine(_model, "linked"), outsideFolder);
        WriteIndex("""{"x":"linked/a.safetensors"}""");

        var ex = OpenRejected();

        Assert.Equal(CheckpointErrors.ShardOutsideFolder, ex.ErrorId);
        Assert.Equal(IndexPath, ex.Path);
        AssertNamesTensor(ex, "x");
    }

    [Fact]
    public void Missing_shard_file_is_refused()
    {
        Shard("a.safetensors", ("x", [1f]));
        WriteIndex("""{"x":"a.safetensors","y":"b.safetensors"}""");

        var ex = OpenRejected();

        Assert.Equal(CheckpointErrors.ShardMissing, ex.ErrorId);
        Assert.Equal(IndexPath, ex.Path);
        AssertNamesTensor(ex, "y");
        Assert.Contains("b.safetensors", ex.Message);
    }

    [Fact]
    public void Tensor_the_index_lists_but_the_shard_lacks_is_refused()
    {
        string shard = Shard("a.safetensors", ("x", [1f]));
        WriteIndex("""{"x":"a.safetensors","y":"a.safetensors"}""");

        var ex = OpenRejected();

        Assert.Equal(CheckpointErrors.IndexMismatch, ex.ErrorId);
        Assert.Equal(shard, ex.Path);
        AssertNamesTensor(ex, "y");
    }

    [Fact]
    public void Tensor_in_a_shard_the_index_does_not_list_is_refused()
    {
        string shard = Shard("a.safetensors", ("x", [1f]), ("y", [2f]));
        WriteIndex("""{"x":"a.safetensors"}""");

        var ex = OpenRejected();

        Assert.Equal(CheckpointErrors.IndexMismatch, ex.ErrorId);
        Assert.Equal(shard, ex.Path);
        AssertNamesTensor(ex, "y");
    }

    [Fact]
    public void Tensor_in_a_different_shard_than_the_index_says_is_refused()
    {
        Shard("a.safetensors", ("x", [1f]));
        string b = Shard("b.safetensors", ("y", [2f]));
        WriteIndex("""{"x":"a.safetensors","y":"a.safetensors","z":"b.safetensors"}""");

        var ex = OpenRejected();

        Assert.Equal(CheckpointErrors.IndexMismatch, ex.ErrorId);
        Assert.Contains(b, ex.Message);
    }

    [Fact]
    public void Same_tensor_in_two_shards_is_refused()
    {
        string first = Shard("a.safetensors", ("x", [1f]));
        string second = Shard("b.safetensors", ("x", [1f]), ("y", [2f]));
        WriteIndex("""{"x":"a.safetensors","y":"b.safetensors"}""");

        var ex = OpenRejected();

        Assert.Equal(CheckpointErrors.DuplicateTensor, ex.ErrorId);
        Assert.Equal(second, ex.Path);
        AssertNamesTensor(ex, "x");
        Assert.Contains(first, ex.Message);
    }

    [Fact]
    public void Folder_without_index_or_model_safetensors_has_no_weights()
    {
        File.WriteAllText(Path.Combine(_model, "config.json"), "{}");

        var ex = OpenRejected();

        Assert.Equal(CheckpointErrors.NoWeights, ex.ErrorId);
        Assert.Equal(_model, ex.Path);
    }

    [Fact]
    public void Folder_with_only_pytorch_weights_says_so()
    {
        File.WriteAllBytes(Path.Combine(_model, "pytorch_model.bin"), [0]);

        var ex = OpenRejected();

        Assert.Equal(CheckpointErrors.NoWeights, ex.ErrorId);
        Assert.Contains("pytorch_model.bin", ex.Message);
    }

    [Fact]
    public void Missing_path_is_not_found()
    {
        string missing = _root.Combine("no-such-model");

        var ex = Assert.Throws<CheckpointFormatException>(() => SafetensorsCheckpoint.Open(missing));

        Assert.Equal(CheckpointErrors.NotFound, ex.ErrorId);
        Assert.Equal(missing, ex.Path);
        Assert.Contains(missing, ex.Message);
    }

    [Theory]
    [InlineData("""{"\ud800":"a.safetensors"}""")]  // a tensor name escaping half a surrogate pair
    [InlineData("""{"x":"\udc00.safetensors"}""")]  // a shard name likewise
    public void Index_name_escaping_a_lone_surrogate_is_invalid(string weightMap)
    {
        Shard("a.safetensors", ("x", [1f]));
        WriteIndex(weightMap);

        var ex = OpenRejected();

        Assert.Equal(CheckpointErrors.IndexInvalid, ex.ErrorId);
        Assert.IsType<InvalidOperationException>(ex.InnerException);
    }

    [Fact]
    public void Index_name_that_is_not_utf8_is_invalid()
    {
        Shard("a.safetensors", ("x", [1f]));
        byte[] index = System.Text.Encoding.UTF8.GetBytes("""{"weight_map":{"x?":"a.safetensors"}}""");
        index[index.AsSpan().IndexOf((byte)'?')] = 0xC3; // a lead byte with no continuation
        File.WriteAllBytes(IndexPath, index);

        var ex = OpenRejected();

        Assert.Equal(CheckpointErrors.IndexInvalid, ex.ErrorId);
    }

    [Fact]
    public void Shard_that_is_a_link_loop_is_missing()
    {
        File.CreateSymbolicLink(Path.Combine(_model, "a.safetensors"), "b.safetensors");
        File.CreateSymbolicLink(Path.Combine(_model, "b.safetensors"), "a.safetensors");
        WriteIndex("""{"x":"a.safetensors"}""");

        var ex = OpenRejected();

        Assert.Equal(CheckpointErrors.ShardMissing, ex.ErrorId);
        AssertNamesTensor(ex, "x");
    }

    [Fact]
    public void Shard_behind_more_links_than_the_system_follows_is_missing()
    {
        Shard("real.safetensors", ("x", [1f]));
        for (int i = 0; i < 45; i++)
            File.CreateSymbolicLink(Path.Combine(_model, $"link{i}.safetensors"), i == 44 ? "real.safetensors" : $"link{i + 1}.safetensors");
        WriteIndex("""{"x":"link0.safetensors"}""");

        var ex = OpenRejected();

        Assert.Equal(CheckpointErrors.ShardMissing, ex.ErrorId);
    }

    [Fact]
    public void Shard_that_is_a_dangling_link_is_missing()
    {
        File.CreateSymbolicLink(Path.Combine(_model, "a.safetensors"), "gone.safetensors");
        WriteIndex("""{"x":"a.safetensors"}""");

        var ex = Assert.Throws<CheckpointFormatException>(() => ShardIndex.Read(IndexPath));

        Assert.Equal(CheckpointErrors.ShardMissing, ex.ErrorId);
        Assert.Contains("does not exist", ex.Message);
    }

    [Fact]
    public void Shard_that_is_a_fifo_is_refused_without_opening_it()
    {
        string fifo = Path.Combine(_model, "a.safetensors");
        if (!UnixFifo.TryCreate(fifo)) return; // no FIFOs on Windows
        WriteIndex("""{"x":"a.safetensors"}""");

        var ex = FifoTrap.Refusal<CheckpointFormatException>(fifo, () => SafetensorsCheckpoint.Open(_model));

        Assert.Equal(FileErrors.NotARegularFile, ex.ErrorId);
        Assert.Contains("FIFO", ex.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Index_that_is_a_fifo_is_refused_without_opening_it(bool throughLink)
    {
        string fifo = throughLink ? _root.Combine("pipe") : IndexPath;
        if (!UnixFifo.TryCreate(fifo)) return; // no FIFOs on Windows
        if (throughLink) File.CreateSymbolicLink(IndexPath, fifo);

        var ex = FifoTrap.Refusal<CheckpointFormatException>(fifo, () => SafetensorsCheckpoint.Open(_model));

        Assert.Equal(FileErrors.NotARegularFile, ex.ErrorId);
        Assert.Equal(IndexPath, ex.Path);
    }

    [Theory]
    [InlineData("sub", FileErrors.NotARegularFile)]
    [InlineData("gone.json", CheckpointErrors.IndexUnreadable)]
    public void Index_that_is_a_link_to_no_file_is_refused(string target, string errorId)
    {
        Directory.CreateDirectory(Path.Combine(_model, "sub"));
        File.CreateSymbolicLink(IndexPath, target);

        var ex = Assert.Throws<CheckpointFormatException>(() => ShardIndex.Read(IndexPath));

        Assert.Equal(errorId, ex.ErrorId);
        Assert.Equal(IndexPath, ex.Path);
    }

    [Theory]
    [InlineData("./a.safetensors", "a.safetensors")]
    [InlineData("a.safetensors", ".//a.safetensors")]
    public void One_shard_spelled_two_ways_is_read_once(string first, string second)
    {
        string shard = Shard("a.safetensors", ("x", [1f]), ("y", [2f]));
        WriteIndex($$"""{"x":"{{first}}","y":"{{second}}"}""");

        var checkpoint = SafetensorsCheckpoint.Open(_model);

        Assert.Equal([shard], checkpoint.Files);
        Assert.Equal(["x", "y"], checkpoint.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_shard_and_a_link_to_it_inside_the_folder_are_one_file()
    {
        string shard = Shard("a.safetensors", ("x", [1f]), ("y", [2f]));
        File.CreateSymbolicLink(Path.Combine(_model, "alias.safetensors"), "a.safetensors");
        WriteIndex("""{"x":"a.safetensors","y":"alias.safetensors"}""");

        var checkpoint = SafetensorsCheckpoint.Open(_model);

        Assert.Equal([shard], checkpoint.Files);
        Assert.Equal(2, checkpoint.Tensors.Count);
    }
}
