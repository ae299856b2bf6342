using ModelMerge.Methods;
using ModelMerge.Plans;
using ModelMerge.Plans.Export;
using ModelMerge.Plans.Handles;
using ModelMerge.Plans.Parameters;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>merge-semantics §1.4 and §7.2: tied output heads and embeddings whose vocabularies differ.</summary>
public sealed class TensorAlignmentTests : IDisposable
{
    private const string Embed = "model.embed_tokens.weight";
    private const string Head = "lm_head.weight";
    private const string Norm = "model.norm.weight";
    private readonly TempFolder _temp = new("alignment");
    private int _models;

    /// <summary>A model with <paramref name="rows"/> vocabulary rows of width 2, value = offset + row + column/10, and a config naming its vocab size.</summary>
    private CheckpointHandle Model(int rows, float offset, bool head = true, int normWidth = 2)
    {
        float[] Matrix(float extra) => Enumerable.Range(0, rows * 2).Select(j => offset + extra + j / 2 + (j % 2) / 10f).ToArray();
        var tensors = new List<TensorValues> { new(Embed, [rows, 2], Matrix(0)), new(Norm, [normWidth], Enumerable.Repeat(offset, normWidth).ToArray()) };
        if (head) tensors.Add(new(Head, [rows, 2], Matrix(100)));
        string folder = SafetensorsFiles.WriteF32(_temp.Child($"m{_models++}"), tensors);
        File.WriteAllText(Path.Combine(folder, "config.json"), $"{{\"vocab_size\": {rows}, \"num_hidden_layers\": 0}}");
        return CheckpointHandle.Open(folder);
    }

    private Dictionary<string, float[]> Export(CheckpointHandle merged, out string folder)
    {
        folder = CheckpointExporter.Export(merged, _temp.Child($"out{_models++}"), new ExportOptions()).Path;
        return SafetensorsFiles.ReadSingles(folder);
    }

    private static CheckpointHandle Linear(params CheckpointHandle[] models) =>
        MethodMerge.Build(new MergeRequest(MergeMethods.Find("linear")!, models.Select(m => MergeInput.Of(m)).ToList())
        {
            Settings = new Dictionary<string, ParameterSetting>(StringComparer.OrdinalIgnoreCase) { ["weight"] = ParameterSetting.Of(1) },
        });

    [Fact]
    public void A_model_that_ties_its_head_contributes_its_input_embedding_there()
    {
        var stored = Model(4, 0);
        var tied = Model(4, 10, head: false);
        var values = Export(Linear(stored, tied), out _);
        for (int j = 0; j < 8; j++) Assert.Equal(((100 + j / 2 + (j % 2) / 10f) + (10 + j / 2 + (j % 2) / 10f)) / 2, values[Head][j], 4);
    }

    [Fact]
    public void A_head_only_some_models_store_is_written_and_the_others_tie_it()
    {
        var tied = Model(4, 10, head: false);
        var stored = Model(4, 0);
        var values = Export(Linear(tied, stored), out _);
        Assert.True(values.ContainsKey(Head));
        Assert.Equal(((10 + 0f) + (100 + 0f)) / 2, values[Head][0], 4);
    }

    [Fact]
    public void Linear_cuts_differing_vocabularies_to_the_rows_all_models_have_and_the_config_follows()
    {
        var large = Model(5, 0);
        var small = Model(3, 10);
        var warnings = new List<string>();
        var merged = MethodMerge.Build(new MergeRequest(MergeMethods.Find("linear")!, [MergeInput.Of(large), MergeInput.Of(small)])
        {
            Settings = new Dictionary<string, ParameterSetting>(StringComparer.OrdinalIgnoreCase) { ["weight"] = ParameterSetting.Of(1) },
        }, warnings.Add);
        Assert.Equal([3L, 2], merged.FindTensor(Embed)!.Shape);
        var values = Export(merged, out string folder);
        Assert.Equal(6, values[Embed].Length);
        Assert.Equal((2.1f + 12.1f) / 2, values[Embed][5], 4);
        Assert.Contains(warnings, w => w.Contains("merging the first 3 rows", StringComparison.Ordinal));
        Assert.Contains("\"vocab_size\": 3", File.ReadAllText(Path.Combine(folder, "config.json")));
    }

    [Fact]
    public void Task_arithmetic_cuts_each_model_to_the_bases_vocabulary_and_refuses_a_smaller_one()
    {
        var baseModel = Model(4, 0);
        var larger = Model(6, 1);
        var vector = TaskVectors.Difference(baseModel, larger);
        var values = Export(TaskArithmeticMerge.Build(TaskArithmeticMethod.TaskArithmetic, [vector], new TaskArithmeticOptions()), out _);
        Assert.Equal(8, values[Embed].Length);
        Assert.Equal(1 + 3.1f, values[Embed][7], 4);   // base + (larger − base) = larger, its first four rows

        var smaller = Model(3, 1);
        var error = Assert.Throws<PlanException>(() => TaskVectors.Difference(baseModel, smaller));
        Assert.Equal("EmbeddingTooSmall", error.ErrorId);
        Assert.Contains(Embed, error.Message);
    }

    [Fact]
    public void Methods_without_a_vocabulary_rule_and_other_shape_differences_are_errors_naming_the_models()
    {
        var a = Model(4, 0);
        var b = Model(5, 1);
        var multislerp = MergeMethods.Find("multislerp")!;
        var request = new MergeRequest(multislerp, [MergeInput.Of(a), MergeInput.Of(b)])
        {
            Settings = new Dictionary<string, ParameterSetting>(StringComparer.OrdinalIgnoreCase) { ["weight"] = ParameterSetting.Of(1) },
        };
        var error = Assert.Throws<PlanException>(() => MethodMerge.Build(request));
        Assert.Equal(Compatibility.TensorShapeMismatch, error.ErrorId);
        Assert.Contains("[4, 2]", error.Message);
        Assert.Contains("[5, 2]", error.Message);

        var wideNorm = Model(4, 1, normWidth: 3);
        var norm = Assert.Throws<PlanException>(() => Linear(a, wideNorm));
        Assert.Equal(Compatibility.TensorShapeMismatch, norm.ErrorId);
        Assert.Contains(Norm, norm.Message);
    }

    [Fact]
    public void A_rotary_cache_is_carried_from_the_first_model_not_averaged()
    {
        const string rotary = "model.layers.0.self_attn.rotary_emb.inv_freq";
        CheckpointHandle WithCache(float value, string name) => CheckpointHandle.Open(SafetensorsFiles.WriteF32(_temp.Child(name),
            [new(Norm, [2], [value, value]), new(rotary, [2], [value, 2 * value])]));
        var values = Export(Linear(WithCache(1, "cache-a"), WithCache(3, "cache-b")), out _);
        Assert.Equal([1f, 2f], values[rotary]);
        Assert.Equal([2f, 2f], values[Norm]);
    }

    public void Dispose() => _temp.Dispose();
}
