using System.Text.Json;
using ModelMerge.Formats;
using ModelMerge.Formats.Folders;
using ModelMerge.Methods;
using ModelMerge.PipelineTests.Support;
using ModelMerge.Plans.Export;
using ModelMerge.Plans.Handles;
using ModelMerge.TestData;

namespace ModelMerge.PipelineTests;

/// <summary>The card's pipelines, typed exactly as a user types them, through the real engine.</summary>
public sealed class CardPipelineTests(ModelFolders models) : IClassFixture<ModelFolders>
{
    [Fact]
    public void Card_pipeline_writes_the_same_checkpoint_as_the_library_ties_merge()
    {
        using var session = new PowerShellSession(models.Root);
        var result = session.Run("Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-TiesMerge -Density 0.2 | Export-Checkpoint ./card");
        Assert.Empty(result.Errors);

        var expected = LibraryExport("card-expected", TaskArithmeticMethod.Ties, new TaskArithmeticOptions { Density = [0.2] });
        StoredValues.AssertSameCheckpoint(expected, models.Output("card"));
        Assert.Empty(models.StagingLeftovers());
    }

    [Fact]
    public void Paths_work_wherever_a_checkpoint_handle_is_expected()
    {
        using var session = new PowerShellSession(models.Root);
        Assert.Empty(session.Run("Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-TiesMerge | Export-Checkpoint ./piped").Errors);
        Assert.Empty(session.Run("Get-TaskVector -Base ./base ./ft1,./ft2 | Invoke-TiesMerge | Export-Checkpoint ./named").Errors);
        Assert.Empty(session.Run("Export-Checkpoint -InputObject ./base ./copied -DType F32").Errors);

        StoredValues.AssertSameCheckpoint(models.Output("piped"), models.Output("named"));
        var copied = SafetensorsCheckpoint.Open(models.Output("copied"));
        var original = SafetensorsCheckpoint.Open(models.Base);
        const string tensor = "model.layers.0.mlp.gate_proj.weight";
        Assert.Equal(DType.F32, copied.Find(tensor)!.DType);
        Assert.Equal(StoredValues.Floats(original, tensor), StoredValues.Floats(copied, tensor));

        var missing = session.Run("Get-TaskVector -Base ./nowhere ./ft1");
        var error = Assert.Single(missing.Errors);
        Assert.Contains("CheckpointNotFound", error.Exception.Message);
    }

    [Fact]
    public void Card_pipeline_output_is_a_complete_hugging_face_folder()
    {
        using var session = new PowerShellSession(models.Root);
        var result = session.Run("Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-TiesMerge -Density 0.2 | Export-Checkpoint ./hf");
        Assert.Empty(result.Errors);

        string output = models.Output("hf");
        foreach (var file in new[] { "model.safetensors", "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json" })
            Assert.True(File.Exists(Path.Combine(output, file)), $"{file} missing");
        Assert.Equal(File.ReadAllBytes(Path.Combine(models.Base, "tokenizer.json")), File.ReadAllBytes(Path.Combine(output, "tokenizer.json")));
        string card = File.ReadAllText(Path.Combine(output, "README.md"));
        Assert.StartsWith("---\n", card);
        Assert.Contains("[TIES](https://arxiv.org/abs/2306.01708) merge method using base as a base", card);
        Assert.Contains("- ft1\n- ft2\n", card);
        Assert.Contains("ties(", card);
        Assert.False(File.Exists(Path.Combine(output, "mergekit_config.yml")), "only a recipe run has a recipe to keep");
        Assert.Empty(session.Run("Get-Checkpoint ./base | Get-TaskVector ./ft1 | Invoke-TiesMerge | Export-Checkpoint ./no-card -NoModelCard").Errors);
        Assert.False(File.Exists(Path.Combine(models.Output("no-card"), "README.md")));

        var written = SafetensorsCheckpoint.Open(output);
        var original = SafetensorsCheckpoint.Open(models.Base);
        Assert.Equal(original.Tensors.Select(t => (t.Name, t.DType, t.ShapeText)), written.Tensors.Select(t => (t.Name, t.DType, t.ShapeText)));
        Assert.Equal("pt", written.Metadata["format"]);
        // The integer buffer is carried through unchanged; float tensors moved away from the base.
        Assert.Equal(StoredValues.Bytes(original, LlamaCheckpointGenerator.IntegerBufferName), StoredValues.Bytes(written, LlamaCheckpointGenerator.IntegerBufferName));
        Assert.NotEqual(StoredValues.Bytes(original, "model.layers.0.mlp.up_proj.weight"), StoredValues.Bytes(written, "model.layers.0.mlp.up_proj.weight"));
    }

    [Fact]
    public void Dare_ties_by_composition_equals_the_dare_ties_recipe_with_normalize()
    {
        using var session = new PowerShellSession(models.Root);
        var composed = session.Run(
            "Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-DareDrop -Density 0.5 -Seed 7 | Invoke-TiesMerge -Density 1 | Export-Checkpoint ./dare-composed");
        Assert.Empty(composed.Errors);
        var recipe = session.Run(
            "Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-Merge -Method dare_ties -Density 0.5 -Seed 7 -Normalize | Export-Checkpoint ./dare-recipe");
        Assert.Empty(recipe.Errors);

        StoredValues.AssertSameCheckpoint(models.Output("dare-recipe"), models.Output("dare-composed"));
        var expected = LibraryExport("dare-expected", TaskArithmeticMethod.DareTies, new TaskArithmeticOptions { Density = [0.5], Seed = 7, Normalize = true });
        StoredValues.AssertSameCheckpoint(expected, models.Output("dare-composed"));
    }

    [Fact]
    public void Dare_with_another_seed_gives_another_checkpoint_and_the_same_seed_the_same_bytes()
    {
        using var session = new PowerShellSession(models.Root);
        foreach (var (name, seed) in new[] { ("seed7a", 7), ("seed7b", 7), ("seed8", 8) })
            Assert.Empty(session.Run($"Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-DareDrop -Density 0.5 -Seed {seed} | Invoke-TiesMerge -Density 1 | Export-Checkpoint ./{name}").Errors);

        StoredValues.AssertSameCheckpoint(models.Output("seed7a"), models.Output("seed7b"));
        var a = StoredValues.All(models.Output("seed7a"));
        var b = StoredValues.All(models.Output("seed8"));
        Assert.Contains(a.Zip(b), pair => !pair.First.Bytes.AsSpan().SequenceEqual(pair.Second.Bytes));
    }

    [Fact]
    public void Task_arithmetic_linear_and_negation_pipelines_match_the_library()
    {
        using var session = new PowerShellSession(models.Root);
        Assert.Empty(session.Run("Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 -Weight 1,-0.5 | Invoke-TaskArithmetic -Lambda 0.8 | Export-Checkpoint ./ta").Errors);
        Assert.Empty(session.Run("Get-Checkpoint ./base | Get-TaskVector ./ft1 -Negate | Invoke-TaskArithmetic | Export-Checkpoint ./negated").Errors);
        Assert.Empty(session.Run("Get-Checkpoint ./base,./ft1,./ft2 | Invoke-LinearMerge -Weight 2,1,1 | Export-Checkpoint ./soup").Errors);

        var baseModel = CheckpointHandle.Open(models.Base);
        var ft1 = CheckpointHandle.Open(models.FineTuned1);
        var ft2 = CheckpointHandle.Open(models.FineTuned2);
        var ta = TaskArithmeticMerge.Build(TaskArithmeticMethod.TaskArithmetic,
            [TaskVectors.Difference(baseModel, ft1, 1), TaskVectors.Difference(baseModel, ft2, -0.5)], new TaskArithmeticOptions { Lambda = 0.8 });
        StoredValues.AssertSameCheckpoint(Export(ta, "ta-expected"), models.Output("ta"));

        var negated = TaskArithmeticMerge.Build(TaskArithmeticMethod.TaskArithmetic, [TaskVectors.Difference(baseModel, ft1, -1)], new TaskArithmeticOptions());
        StoredValues.AssertSameCheckpoint(Export(negated, "negated-expected"), models.Output("negated"));

        var soup = LinearMerge.Build([baseModel, ft1, ft2], [2, 1, 1]);
        StoredValues.AssertSameCheckpoint(Export(soup, "soup-expected"), models.Output("soup"));
    }

    [Fact]
    public void Sharded_export_holds_the_same_tensors_as_a_single_file()
    {
        using var session = new PowerShellSession(models.Root);
        Assert.Empty(session.Run("Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-TiesMerge | Export-Checkpoint ./single").Errors);
        Assert.Empty(session.Run("Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-TiesMerge | Export-Checkpoint ./sharded -MaxShardSize 200KB").Errors);

        string sharded = models.Output("sharded");
        var shards = Directory.GetFiles(sharded, "model-*-of-*.safetensors");
        Assert.True(shards.Length > 1, $"expected several shards, got {shards.Length}");
        Assert.All(shards, s => Assert.True(new FileInfo(s).Length <= 200_000 + 4096 || SafetensorsCheckpoint.Open(s).Tensors.Count == 1));
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(sharded, "model.safetensors.index.json")));
        long totalSize = index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64();
        Assert.Equal(SafetensorsCheckpoint.Open(sharded).Tensors.Sum(t => t.ByteLength), totalSize);
        StoredValues.AssertSameCheckpoint(models.Output("single"), sharded);
    }

    [Fact]
    public void DType_option_writes_float32_and_records_it_in_config()
    {
        using var session = new PowerShellSession(models.Root);
        Assert.Empty(session.Run("Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-TiesMerge | Export-Checkpoint ./bf16").Errors);
        Assert.Empty(session.Run("Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-TiesMerge | Export-Checkpoint ./f32 -DType float32").Errors);

        var f32 = SafetensorsCheckpoint.Open(models.Output("f32"));
        var bf16 = SafetensorsCheckpoint.Open(models.Output("bf16"));
        Assert.All(f32.Tensors.Where(t => t.Name != LlamaCheckpointGenerator.IntegerBufferName), t => Assert.Equal(DType.F32, t.DType));
        Assert.Equal(DType.I64, f32.Find(LlamaCheckpointGenerator.IntegerBufferName)!.DType);
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(models.Output("f32"), "config.json")));
        Assert.Equal("float32", config.RootElement.GetProperty("torch_dtype").GetString());
        Assert.Equal(64, config.RootElement.GetProperty("hidden_size").GetInt32());

        // Rounding the float32 result once to bf16 must give the bf16 export exactly.
        const string tensor = "model.layers.1.self_attn.q_proj.weight";
        var wide = StoredValues.Floats(f32, tensor);
        var narrow = new byte[wide.Length * 2];
        ModelMerge.Formats.Numerics.ElementConversion.FromSingle(DType.BF16, wide, narrow);
        Assert.Equal(StoredValues.Bytes(bf16, tensor), narrow);
    }

    [Fact]
    public void Handles_print_what_a_user_needs_and_read_no_data()
    {
        using var session = new PowerShellSession(models.Root);
        var result = session.Run("Get-Checkpoint ./base");
        var handle = Assert.IsType<CheckpointHandle>(Assert.Single(result.Output).BaseObject);
        Assert.Equal(LlamaShape.Tiny.Tensors().Count + 1, handle.TensorCount);
        Assert.Equal(LlamaShape.Tiny.ParameterCount + 16, handle.ParameterCount);
        Assert.Equal([DType.BF16, DType.I64], handle.DTypes);
        Assert.Equal(new FileInfo(Path.Combine(models.Base, "model.safetensors")).Length, handle.SizeOnDisk);
        Assert.Equal(models.Base, handle.Path);

        var tensors = session.Run("(Get-Checkpoint ./base).Tensors | Where-Object Name -like '*layers.1.mlp.down_proj*'");
        var spec = Assert.IsType<ModelMerge.Plans.TensorSpec>(Assert.Single(tensors.Output).BaseObject);
        Assert.Equal(new long[] { 64, 176 }, spec.Shape);

        var vectors = session.Run("Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 -Weight 0.5");
        Assert.Equal(2, vectors.Output.Count);
        Assert.All(vectors.Output, v => Assert.Equal(0.5, ((TaskVectorHandle)v.BaseObject).Weight.Resolve("model.norm.weight", 0)));
    }

    private string LibraryExport(string name, TaskArithmeticMethod method, TaskArithmeticOptions options)
    {
        var baseModel = CheckpointHandle.Open(models.Base);
        var vectors = new[] { models.FineTuned1, models.FineTuned2 }
            .Select(path => TaskVectors.Difference(baseModel, CheckpointHandle.Open(path))).ToList();
        return Export(TaskArithmeticMerge.Build(method, vectors, options), name);
    }

    private string Export(CheckpointHandle handle, string name)
    {
        string path = models.Output(name);
        CheckpointExporter.Export(handle, path, new ExportOptions { Force = true });
        return path;
    }
}
