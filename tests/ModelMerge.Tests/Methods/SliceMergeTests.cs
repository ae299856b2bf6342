using ModelMerge.Formats.Folders;
using ModelMerge.Methods;
using ModelMerge.Plans;
using ModelMerge.Plans.Export;
using ModelMerge.Plans.Handles;
using ModelMerge.Plans.Parameters;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>merge-semantics §7.4: recipes with slices, each merging its sources' layer ranges, then stacked.</summary>
[Collection(GeneratedLlamaCollection.Name)]
public sealed class SliceMergeTests(GeneratedLlamas llamas)
{
    private static Dictionary<string, ParameterSetting> Settings(params (string Name, ParameterSetting Value)[] values) =>
        values.ToDictionary(v => v.Name, v => v.Value, StringComparer.OrdinalIgnoreCase);

    [Fact]
    public void Each_slice_merges_its_sources_layers_and_the_ends_come_from_the_outer_slices()
    {
        var set = llamas["tiny"];
        var (a, b) = (set.FineTunes[0], set.FineTunes[1]);
        // Per-model filters see the source's own names: A's layer 1 (written as output layer 0) weighs 5.
        var aWeight = ParameterSetting.Filtered([new FilterRule("layers.1.", ParameterSetting.Of(5)), new FilterRule(null, ParameterSetting.Of(1))], ordered: true);
        var slices = new List<MergeSlice>
        {
            new([new SliceSource(a, 1, 2, Settings(("weight", aWeight))), new SliceSource(b, 0, 1)]),
            new([new SliceSource(a, 0, 1), new SliceSource(b, 1, 2, Settings(("weight", ParameterSetting.Of(3))))]),
        };
        var recipe = new MergeRequest(Linear.Method, []) { Settings = Settings(("weight", ParameterSetting.Of(1))) };

        var stacked = SliceMerge.Build(recipe, slices);
        string output = CheckpointExporter.Export(stacked, llamas.NewTarget(), new ExportOptions { DType = ModelMerge.Formats.DType.F32 }).Path;
        var values = SafetensorsFiles.ReadSingles(output);

        var fa = set.FineTuneValues[0];
        var fb = set.FineTuneValues[1];
        AssertLinear(values["model.layers.0.mlp.up_proj.weight"], fa["model.layers.1.mlp.up_proj.weight"], 5, fb["model.layers.0.mlp.up_proj.weight"], 1);
        AssertLinear(values["model.layers.1.mlp.up_proj.weight"], fa["model.layers.0.mlp.up_proj.weight"], 1, fb["model.layers.1.mlp.up_proj.weight"], 3);
        AssertLinear(values["model.embed_tokens.weight"], fa["model.embed_tokens.weight"], 1, fb["model.embed_tokens.weight"], 1);
        AssertLinear(values["model.norm.weight"], fa["model.norm.weight"], 1, fb["model.norm.weight"], 3);
        Assert.Equal(set.TensorNames.Length, values.Count);
        Assert.Contains("\"num_hidden_layers\": 2", File.ReadAllText(Path.Combine(output, "config.json")));
    }

    [Fact]
    public void A_slices_base_is_its_source_of_that_model_and_slice_settings_fall_back_to_the_recipes()
    {
        var set = llamas["tiny"];
        var (a, b) = (set.FineTunes[0], set.FineTunes[1]);
        var onlyMlp = ParameterSetting.Filtered([new FilterRule("mlp", ParameterSetting.Of(1))], ordered: true);
        var slices = new List<MergeSlice>
        {
            new([new SliceSource(a, 0, 2), new SliceSource(b, 0, 2)]) { Settings = Settings(("t", onlyMlp)) },
        };
        var recipe = new MergeRequest(Slerp.Method, []) { Base = a, Settings = Settings(("t", ParameterSetting.Of(0))) };

        var stacked = SliceMerge.Build(recipe, slices);
        string output = CheckpointExporter.Export(stacked, llamas.NewTarget(), new ExportOptions()).Path;
        var written = SafetensorsCheckpoint.Open(output);

        // t = 1 on MLPs (the slice's filter) gives B; everything else falls back to the recipe's t = 0, which is A (the base).
        var bytesA = SafetensorsCheckpoint.Open(a.Path!);
        var bytesB = SafetensorsCheckpoint.Open(b.Path!);
        Assert.Equal(Bytes(bytesB, "model.layers.1.mlp.down_proj.weight"), Bytes(written, "model.layers.1.mlp.down_proj.weight"));
        Assert.Equal(Bytes(bytesA, "model.layers.1.self_attn.q_proj.weight"), Bytes(written, "model.layers.1.self_attn.q_proj.weight"));
    }

    [Fact]
    public void Sources_of_different_lengths_and_a_base_outside_the_slice_are_refused()
    {
        var set = llamas["tiny"];
        var (a, b) = (set.FineTunes[0], set.FineTunes[1]);
        var linear = new MergeRequest(Linear.Method, []) { Settings = Settings(("weight", ParameterSetting.Of(1))) };
        var uneven = Assert.Throws<PlanException>(() => SliceMerge.Build(linear, [new MergeSlice([new SliceSource(a, 0, 2), new SliceSource(b, 0, 1)])]));
        Assert.Equal(SliceMerge.SliceLengthMismatch, uneven.ErrorId);

        var slerp = new MergeRequest(Slerp.Method, []) { Base = set.Base, Settings = Settings(("t", ParameterSetting.Of(0.5))) };
        var outside = Assert.Throws<PlanException>(() => SliceMerge.Build(slerp, [new MergeSlice([new SliceSource(a, 0, 2), new SliceSource(b, 0, 2)])]));
        Assert.Equal(SliceMerge.SliceBaseMissing, outside.ErrorId);
    }

    private static byte[] Bytes(SafetensorsCheckpoint checkpoint, string tensor)
    {
        var info = checkpoint.Find(tensor)!;
        using var reader = ModelMerge.Formats.Safetensors.TensorReader.Open(info);
        var bytes = new byte[info.ByteLength];
        reader.Read(0, bytes);
        return bytes;
    }

    private static void AssertLinear(float[] actual, float[] x, double wx, float[] y, double wy)
    {
        var expected = new double[actual.Length];
        for (int j = 0; j < actual.Length; j++) expected[j] = (wx * x[j] + wy * y[j]) / (wx + wy);
        RoundedReference.AssertWithinOneUlp(expected, actual);
    }
}
