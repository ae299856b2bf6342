using System.Management.Automation;
using System.Text.Json.Nodes;
using ModelMerge.Formats;
using ModelMerge.PipelineTests.Support;
using ModelMerge.TestData;

namespace ModelMerge.PipelineTests;

/// <summary>
/// Bad-input catalogue, model folders (11 cases): a sharded model whose index lies, and a
/// config.json an export cannot rewrite. Each case expects one error with a stable id, its
/// category, a message saying what and where, and no output or staging folder.
/// <list type="number">
/// <item>an index that is not JSON — ShardIndexInvalid</item>
/// <item>an index without a weight_map — ShardIndexInvalid</item>
/// <item>an index naming a shard that is missing — ShardMissing</item>
/// <item>an index naming a shard by an absolute path — ShardPathOutsideFolder</item>
/// <item>an index naming a shard through .. — ShardPathOutsideFolder</item>
/// <item>a shard that is a symlink leading outside the folder — ShardPathOutsideFolder</item>
/// <item>an index that leaves out a tensor a shard holds — ShardIndexMismatch</item>
/// <item>an index listing a tensor no shard holds — ShardIndexMismatch</item>
/// <item>a tensor stored in two shards — CheckpointDuplicateTensor</item>
/// <item>a config.json that is not JSON, refused before any tensor is computed — ConfigInvalid</item>
/// <item>a config.json that is JSON but not an object — ConfigInvalid</item>
/// </list>
/// </summary>
public sealed class BadInputCatalogueFolderTests(ModelFolders models) : IClassFixture<ModelFolders>
{
    private const string Index = "model.safetensors.index.json";

    /// <summary>A fresh sharded tiny llama (three or more shards) for one test to damage.</summary>
    private string Sharded(string name)
    {
        string folder = LlamaCheckpointGenerator.Write(models.Output(name),
            new GeneratedModel(LlamaShape.Tiny, DType.BF16, BaseSeed: 1, FineTuneSeed: 5, MaxShardBytes: 100_000, IntegerBuffer: true));
        Assert.True(Shards(folder).Count >= 3);
        return folder;
    }

    private static IReadOnlyList<string> Shards(string folder) =>
        Directory.GetFiles(folder, "model-*.safetensors").Order(StringComparer.Ordinal).ToList();

    private static void EditIndex(string folder, Action<JsonObject> edit)
    {
        string path = Path.Combine(folder, Index);
        var index = (JsonObject)JsonNode.Parse(File.ReadAllText(path))!;
        edit((JsonObject)index["weight_map"]!);
        File.WriteAllText(path, index.ToJsonString());
    }

    private static string FirstTensorOf(string shard) => DamagedCheckpoint.Read(shard).Header.First(e => e.Key != "__metadata__").Key;

    /// <summary>
    /// Uses the damaged folder as a fine-tune of a TIES merge. Get-TaskVector opens its models before
    /// the pipeline runs, so a damaged one stops it (Get-Checkpoint, a lister, would report it and go
    /// on with the other paths it was given).
    /// </summary>
    private PowerShellSession.Result Refused(string folder, string errorId, ErrorCategory category, params string[] fragments) =>
        Refusal.OfExport(models, $"Get-Checkpoint ./base | Get-TaskVector ./{Path.GetFileName(folder)} | Invoke-TiesMerge", errorId, category, fragments);

    [Fact]
    public void An_index_that_is_not_JSON_is_refused()
    {
        string folder = Sharded("index-not-json");
        File.WriteAllText(Path.Combine(folder, Index), "{\"weight_map\": {\"model.embed_tokens.weight\": ");
        Refused(folder, "ShardIndexInvalid", ErrorCategory.InvalidData, Path.Combine(folder, Index), "not valid JSON");
    }

    [Fact]
    public void An_index_without_a_weight_map_is_refused()
    {
        string folder = Sharded("index-no-map");
        File.WriteAllText(Path.Combine(folder, Index), "{\"metadata\": {\"total_size\": 1}}");
        Refused(folder, "ShardIndexInvalid", ErrorCategory.InvalidData, "needs a \"weight_map\" object");
    }

    [Fact]
    public void An_index_naming_a_missing_shard_is_refused()
    {
        string folder = Sharded("shard-missing");
        string gone = Shards(folder)[1];
        File.Delete(gone);
        Refused(folder, "ShardMissing", ErrorCategory.ObjectNotFound, $"shard '{Path.GetFileName(gone)}' does not exist");
    }

    [Fact]
    public void An_index_naming_a_shard_by_absolute_path_is_refused()
    {
        string folder = Sharded("shard-absolute");
        string shard = Shards(folder)[0];
        EditIndex(folder, map => map[FirstTensorOf(shard)] = shard);
        Refused(folder, "ShardPathOutsideFolder", ErrorCategory.InvalidData, $"tensor '{FirstTensorOf(shard)}'", "must be a relative name inside the checkpoint folder");
    }

    [Fact]
    public void An_index_naming_a_shard_through_dot_dot_is_refused()
    {
        string folder = Sharded("shard-dotdot");
        EditIndex(folder, map => map["model.embed_tokens.weight"] = "../base/model.safetensors");
        Refused(folder, "ShardPathOutsideFolder", ErrorCategory.InvalidData, "'../base/model.safetensors'", "must be a relative name");
    }

    [Fact]
    public void A_shard_that_is_a_symlink_leading_outside_the_folder_is_refused()
    {
        string folder = Sharded("shard-symlink");
        string shard = Shards(folder)[1];
        string outside = models.Output("stolen-" + Path.GetFileName(shard));
        File.Move(shard, outside);
        File.CreateSymbolicLink(shard, outside);
        Refused(folder, "ShardPathOutsideFolder", ErrorCategory.InvalidData, $"is a link to '{outside}', outside the checkpoint folder");
    }

    [Fact]
    public void An_index_that_leaves_out_a_tensor_a_shard_holds_is_refused()
    {
        string folder = Sharded("index-omits");
        string tensor = FirstTensorOf(Shards(folder)[2]);
        EditIndex(folder, map => map.Remove(tensor));
        Refused(folder, "ShardIndexMismatch", ErrorCategory.InvalidData, $"tensor '{tensor}'", "does not list it");
    }

    [Fact]
    public void An_index_listing_a_tensor_no_shard_holds_is_refused()
    {
        string folder = Sharded("index-invents");
        EditIndex(folder, map => map["model.layers.0.self_attn.q_norm.weight"] = Path.GetFileName(Shards(folder)[0]));
        Refused(folder, "ShardIndexMismatch", ErrorCategory.InvalidData, "tensor 'model.layers.0.self_attn.q_norm.weight'", "the shard does not hold it");
    }

    [Fact]
    public void A_tensor_stored_in_two_shards_is_refused()
    {
        string folder = Sharded("stored-twice");
        // Shards are read in the order the index first mentions them; the copy goes into a later one.
        var readOrder = ((JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(folder, Index)))!["weight_map"]!)
            .Select(e => Path.Combine(folder, (string)e.Value!)).Distinct().ToList();
        var shards = new[] { readOrder[0], readOrder[^1] };
        var (header, data) = DamagedCheckpoint.Read(shards[0]);
        string tensor = FirstTensorOf(shards[0]);
        var (begin, end) = DamagedCheckpoint.Offsets(header, tensor);
        DTypeInfo.TryParseHeaderName((string)header[tensor]!["dtype"]!, out var dtype);
        long[] shape = ((JsonArray)header[tensor]!["shape"]!).Select(d => (long)d!).ToArray();
        DamagedCheckpoint.At(folder).AddTensor(tensor, dtype, shape, data[(int)begin..(int)end], shards[1]);
        Refused(folder, "CheckpointDuplicateTensor", ErrorCategory.InvalidData, shards[1], $"tensor '{tensor}'", $"also stored in '{shards[0]}'");
    }

    [Fact]
    public void A_config_that_is_not_JSON_is_refused_before_any_tensor_is_computed()
    {
        var model = DamagedCheckpoint.CopyOf(models.Base, models.Output("config-not-json"));
        string config = Path.Combine(model.Folder, "config.json");
        File.WriteAllText(config, "{\"model_type\": \"llama\", \"hidden_size\": ");
        var run = Refusal.Of(models, "Get-Checkpoint ./config-not-json | Get-TaskVector ./ft1 | Invoke-TiesMerge | Export-Checkpoint ./config-out -Verbose",
            "config-out", "ConfigInvalid", ErrorCategory.InvalidData, config, "config.json is not valid JSON");
        Assert.Equal(config, run.Errors[0].TargetObject);
        Assert.Empty(run.Progress);
        Assert.DoesNotContain(run.Verbose, v => v.StartsWith("Exporting", StringComparison.Ordinal));
    }

    [Fact]
    public void A_config_that_is_not_a_JSON_object_is_refused()
    {
        var model = DamagedCheckpoint.CopyOf(models.Base, models.Output("config-array"));
        File.WriteAllText(Path.Combine(model.Folder, "config.json"), "[\"llama\"]");
        Refusal.OfExport(models, "Get-Checkpoint ./config-array", "ConfigInvalid", ErrorCategory.InvalidData, "config.json must be a JSON object");
    }
}
