using System.Management.Automation;
using ModelMerge.Formats;
using ModelMerge.PipelineTests.Support;
using ModelMerge.TestData;

namespace ModelMerge.PipelineTests;

/// <summary>
/// Bad-input catalogue, companion files and other files read whole (10 cases). Config and
/// tokenizer files come from strangers as shards do: one that leads out of the model folder, is
/// not a regular file, is over its cap or is not the JSON it claims to be stops the export by
/// name before any tensor is computed, and nothing is written. Recipes and coefficient tables
/// get the same rule. The Hugging Face hub cache, whose snapshots link into their repository's
/// blobs, is a model folder like any other.
/// <list type="number">
/// <item>tokenizer_config.json, special_tokens_map.json or config.json linking to a file outside the folder — CompanionPathOutsideFolder</item>
/// <item>a FIFO as tokenizer.json or config.json — NotARegularFile, without waiting on it</item>
/// <item>/dev/zero as tokenizer.model — NotARegularFile</item>
/// <item>a tokenizer.json over 64 MB — FileTooLarge</item>
/// <item>a tokenizer.json that is not JSON — CompanionInvalid</item>
/// <item>a snapshot's companion linking into another hub repository's blobs — CompanionPathOutsideFolder</item>
/// <item>a snapshot's shard linking into another hub repository's blobs — ShardPathOutsideFolder</item>
/// <item>a FIFO as a recipe — NotARegularFile</item>
/// <item>/dev/zero as a recipe — NotARegularFile</item>
/// <item>a FIFO as -CoefficientPath — NotARegularFile</item>
/// </list>
/// and the hub cache read as it is: a sharded and a single-file model under <c>snapshots/REV/</c> export
/// with their companions.
/// </summary>
public sealed class BadInputCatalogueCompanionTests(ModelFolders models) : IClassFixture<ModelFolders>
{
    private const string Merge = "Get-TaskVector ./ft1 | Invoke-TiesMerge";

    private DamagedCheckpoint Copy(string name) => DamagedCheckpoint.CopyOf(models.Base, models.Output(name));

    private PowerShellSession.Result Refused(string folder, string errorId, ErrorCategory category, params string[] fragments)
    {
        var run = Refusal.OfExport(models, $"Get-Checkpoint ./{Path.GetFileName(folder)} | {Merge}", errorId, category, fragments);
        Assert.Empty(run.Progress); // refused before any tensor was computed
        return run;
    }

    [Theory]
    [InlineData("tokenizer_config.json")]
    [InlineData("special_tokens_map.json")]
    [InlineData("config.json")]
    public void A_companion_linking_out_of_the_folder_is_refused_and_not_copied(string name)
    {
        string secret = models.Output("credentials-" + name);
        File.WriteAllText(secret, "{\"aws_secret_access_key\": \"do-not-copy\"}");
        var model = Copy("leak-" + Path.GetFileNameWithoutExtension(name));
        string companion = Path.Combine(model.Folder, name);
        File.Delete(companion);
        File.CreateSymbolicLink(companion, secret);

        var run = Refused(model.Folder, "CompanionPathOutsideFolder", ErrorCategory.InvalidData, companion, $"'{secret}'", "outside the checkpoint folder");
        Assert.Equal(companion, run.Errors[0].TargetObject);
    }

    [Theory]
    [InlineData("tokenizer.json")]
    [InlineData("config.json")]
    public void A_companion_that_is_a_fifo_is_refused_without_waiting(string name)
    {
        var model = Copy("fifo-" + Path.GetFileNameWithoutExtension(name));
        string fifo = Path.Combine(model.Folder, name);
        File.Delete(fifo);
        if (!BlockingGuard.TryMakeFifo(fifo)) return; // no FIFOs on Windows

        BlockingGuard.Within(fifo, () => Refused(model.Folder, "NotARegularFile", ErrorCategory.ReadError, fifo, "FIFO"));
    }

    [Fact]
    public void A_device_as_tokenizer_model_is_refused_unread()
    {
        if (!File.Exists("/dev/zero")) return; // no devices as files on Windows
        var model = Copy("zero-tokenizer");
        string tokenizer = Path.Combine(model.Folder, "tokenizer.model");
        File.CreateSymbolicLink(tokenizer, "/dev/zero");

        // /dev/zero is outside the folder too; the link rule speaks first. A device inside it is still not a file.
        Refused(model.Folder, "CompanionPathOutsideFolder", ErrorCategory.InvalidData, tokenizer, "'/dev/zero'");
    }

    [Fact]
    public void A_tokenizer_over_the_cap_is_refused_unread()
    {
        var model = Copy("huge-tokenizer");
        string tokenizer = Path.Combine(model.Folder, "tokenizer.json");
        using (var stream = new FileStream(tokenizer, FileMode.Truncate)) stream.SetLength(64L * 1024 * 1024 + 1); // sparse
        Refused(model.Folder, "FileTooLarge", ErrorCategory.InvalidData, tokenizer, "67108865 bytes");
    }

    [Fact]
    public void A_tokenizer_that_is_not_json_is_refused()
    {
        var model = Copy("tokenizer-not-json");
        string tokenizer = Path.Combine(model.Folder, "tokenizer.json");
        File.WriteAllText(tokenizer, "{\"model\": {\"type\": \"BPE\", ");
        Refused(model.Folder, "CompanionInvalid", ErrorCategory.InvalidData, tokenizer, "not valid JSON");
    }

    [Fact]
    public void A_sharded_model_in_the_hub_cache_exports_with_its_companions()
    {
        string plain = LlamaCheckpointGenerator.Write(models.Output("hub-sharded-plain"),
            new GeneratedModel(LlamaShape.Tiny, DType.BF16, BaseSeed: 1, MaxShardBytes: 100_000, IntegerBuffer: true));
        string folder = LlamaCheckpointGenerator.Write(models.Output("hub-sharded-source"),
            new GeneratedModel(LlamaShape.Tiny, DType.BF16, BaseSeed: 1, MaxShardBytes: 100_000, IntegerBuffer: true));
        string snapshot = HubCache.MoveIn(folder, models.Output("hub-sharded"), "models--org--sharded");
        Assert.True(Directory.GetFiles(snapshot, "model-*.safetensors").Length >= 3);

        AssertExportsAsThePlainFolder(snapshot, plain, "hub-sharded-out");
    }

    [Fact]
    public void A_single_file_model_in_the_hub_cache_exports_with_its_companions()
    {
        string plain = LlamaCheckpointGenerator.Write(models.Output("hub-single-plain"), new GeneratedModel(LlamaShape.Tiny, DType.BF16, BaseSeed: 1));
        string folder = LlamaCheckpointGenerator.Write(models.Output("hub-single-source"), new GeneratedModel(LlamaShape.Tiny, DType.BF16, BaseSeed: 1));
        string snapshot = HubCache.MoveIn(folder, models.Output("hub-single"), "models--org--single");

        AssertExportsAsThePlainFolder(snapshot, plain, "hub-single-out");
    }

    private void AssertExportsAsThePlainFolder(string snapshot, string plain, string output)
    {
        using var session = new PowerShellSession(models.Root);
        var run = session.Run($"Get-Checkpoint '{snapshot}' | Export-Checkpoint ./{output}");

        Assert.True(run.Errors.Count == 0, string.Join("\n", run.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e.Exception.Message)));
        StoredValues.AssertSameCheckpoint(plain, models.Output(output));
        foreach (var name in new[] { "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(plain, name)), File.ReadAllBytes(Path.Combine(models.Output(output), name)));
    }

    [Fact]
    public void A_snapshot_companion_linking_into_another_repositorys_blobs_is_refused()
    {
        string snapshot = HubCache.MoveIn(Copy("hub-companion-source").Folder, models.Output("hub-companion"), "models--org--model");
        string stranger = Directory.CreateDirectory(Path.Combine(models.Output("hub-companion"), "models--other--repo", "blobs")).FullName;
        File.WriteAllText(Path.Combine(stranger, "abc"), "{\"token\": \"hf_secret\"}");
        string companion = Path.Combine(snapshot, "tokenizer_config.json");
        File.Delete(companion);
        File.CreateSymbolicLink(companion, Path.Combine("..", "..", "..", "models--other--repo", "blobs", "abc"));

        Refusal.OfExport(models, $"Get-Checkpoint '{snapshot}'", "CompanionPathOutsideFolder", ErrorCategory.InvalidData,
            companion, "its hub-cache blobs");
    }

    [Fact]
    public void A_snapshot_shard_linking_into_another_repositorys_blobs_is_refused()
    {
        string folder = LlamaCheckpointGenerator.Write(models.Output("hub-shard-source"),
            new GeneratedModel(LlamaShape.Tiny, DType.BF16, BaseSeed: 1, MaxShardBytes: 100_000, IntegerBuffer: true));
        string snapshot = HubCache.MoveIn(folder, models.Output("hub-shard"), "models--org--model");
        string shard = Directory.GetFiles(snapshot, "model-*.safetensors").Order(StringComparer.Ordinal).First();
        string stranger = Directory.CreateDirectory(Path.Combine(models.Output("hub-shard"), "models--other--repo", "blobs")).FullName;
        string moved = Path.Combine(stranger, "def");
        File.Copy(Path.Combine(snapshot, new FileInfo(shard).LinkTarget!), moved);
        File.Delete(shard);
        File.CreateSymbolicLink(shard, Path.Combine("..", "..", "..", "models--other--repo", "blobs", "def"));

        Refusal.OfExport(models, $"Get-Checkpoint '{snapshot}'", "ShardPathOutsideFolder", ErrorCategory.InvalidData,
            $"is a link to '{moved}'", "its hub-cache blobs");
    }

    [Fact]
    public void A_fifo_as_a_recipe_is_refused_without_waiting()
    {
        string fifo = models.Output("recipe-fifo.yml");
        if (!BlockingGuard.TryMakeFifo(fifo)) return; // no FIFOs on Windows
        BlockingGuard.Within(fifo, () => Refusal.OfExport(models, "Invoke-MergeRecipe ./recipe-fifo.yml", "NotARegularFile", ErrorCategory.ReadError, fifo, "FIFO"));
    }

    [Fact]
    public void A_device_as_a_recipe_is_refused_unread()
    {
        if (!File.Exists("/dev/zero")) return; // no devices as files on Windows
        Refusal.OfExport(models, "Invoke-MergeRecipe /dev/zero", "NotARegularFile", ErrorCategory.ReadError, "/dev/zero", "character device");
    }

    [Fact]
    public void A_fifo_as_the_coefficient_table_is_refused_without_waiting()
    {
        string fifo = models.Output("coefficients-fifo.csv");
        if (!BlockingGuard.TryMakeFifo(fifo)) return; // no FIFOs on Windows
        BlockingGuard.Within(fifo, () => Refusal.OfExport(models, "Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-LayerwiseMerge -CoefficientPath ./coefficients-fifo.csv",
            "NotARegularFile", ErrorCategory.ReadError, fifo, "FIFO"));
    }
}
