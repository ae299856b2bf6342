using ModelMerge.Methods;
using ModelMerge.Plans;
using ModelMerge.Plans.Export;
using ModelMerge.Plans.Handles;
using ModelMerge.Plans.Parameters;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>merge-semantics §10.2 through stored checkpoints: each model with its Fisher checkpoint, merged by the real plans and exporter.</summary>
public sealed class FisherMergeTests : IDisposable
{
    private const string Mlp = "model.layers.0.mlp.up_proj.weight";
    private const string Attention = "model.layers.0.self_attn.q_proj.weight";

    private readonly TempFolder _folder = new("fisher");

    [Fact]
    public void Fisher_merge_of_stored_checkpoints_reproduces_the_hand_computed_average()
    {
        var models = new[] { Write("a", [1f, 2f, -1f, 1f]), Write("b", [3f, -2f, 1f, 4f]) };
        var fishers = new[] { Write("fa", [1f, 3f, 0f, 0f]), Write("fb", [1f, 1f, 2f, 0f]) };

        var merged = FisherMerge.Build(models, fishers, [ParameterSetting.Of(3), ParameterSetting.Of(1)], epsilon: 0);

        WorkedExample.AssertClose([1.5, 1.6, 1, 1.75], Export(merged)[Mlp]);
    }

    [Fact]
    public void Weights_resolve_per_tensor_and_one_setting_serves_every_model()
    {
        var models = new[] { Write("a", [1f, 2f, -1f, 1f]), Write("b", [3f, -2f, 1f, 4f]) };
        var fishers = new[] { Write("fa", [1f, 3f, 0f, 0f]), Write("fb", [1f, 1f, 2f, 0f]) };
        var mlpHeavier = ParameterSetting.Filtered([new FilterRule("mlp", ParameterSetting.Of(3)), new FilterRule(null, ParameterSetting.Of(1))], ordered: false);

        var perModel = Export(FisherMerge.Build(models, fishers, [mlpHeavier, ParameterSetting.Of(1)], epsilon: 0));
        var forAll = Export(FisherMerge.Build(models, fishers, [ParameterSetting.Of(2)], epsilon: 0));

        WorkedExample.AssertClose([1.5, 1.6, 1, 1.75], perModel[Mlp]);
        WorkedExample.AssertClose([2, 1, 1, 2.5], perModel[Attention]);
        WorkedExample.AssertClose([2, 1, 1, 2.5], forAll[Mlp]);
    }

    [Fact]
    public void Each_model_needs_exactly_one_Fisher_and_weights_come_one_for_all_or_one_per_model()
    {
        var models = new[] { Write("a", [1f, 2f, -1f, 1f]), Write("b", [3f, -2f, 1f, 4f]) };
        var fisher = Write("fa", [1f, 3f, 0f, 0f]);

        var fishers = Assert.Throws<PlanException>(() => FisherMerge.Build(models, [fisher]));
        var weights = Assert.Throws<PlanException>(() => FisherMerge.Build(models, [fisher, fisher], [.. Enumerable.Repeat(ParameterSetting.Of(1), 3)]));

        Assert.Equal(FisherMerge.ParameterCountMismatch, fishers.ErrorId);
        Assert.Equal(FisherMerge.ParameterCountMismatch, weights.ErrorId);
    }

    [Fact]
    public void A_Fisher_must_have_its_models_tensor_names_and_shapes()
    {
        var models = new[] { Write("a", [1f, 2f, -1f, 1f]), Write("b", [3f, -2f, 1f, 4f]) };
        var good = Write("fa", [1f, 1f, 1f, 1f]);
        var missing = Open("missing", [new TensorValues(Mlp, [1f, 1f, 1f, 1f])]);
        var extra = Open("extra", [.. Tensors([1f, 1f, 1f, 1f]), new TensorValues("lm_head.weight", [1f])]);
        var reshaped = Open("reshaped", [new TensorValues(Mlp, [2, 2], [1f, 1f, 1f, 1f]), new TensorValues(Attention, [1f, 1f, 1f, 1f])]);

        var noTensor = Assert.Throws<PlanException>(() => FisherMerge.Build(models, [good, missing]));
        var tooMany = Assert.Throws<PlanException>(() => FisherMerge.Build(models, [extra, good]));
        var shape = Assert.Throws<PlanException>(() => FisherMerge.Build(models, [good, reshaped]));

        Assert.Equal(Compatibility.TensorSetMismatch, noTensor.ErrorId);
        Assert.Equal(Attention, noTensor.Target);
        Assert.Equal(Compatibility.TensorSetMismatch, tooMany.ErrorId);
        Assert.Equal(Compatibility.TensorShapeMismatch, shape.ErrorId);
        Assert.Equal(Mlp, shape.Target);
        Assert.Contains("'reshaped'", shape.Message);
    }

    [Fact]
    public void A_negative_weight_for_some_tensor_is_refused_when_the_merge_is_built()
    {
        var models = new[] { Write("a", [1f, 2f, -1f, 1f]), Write("b", [3f, -2f, 1f, 4f]) };
        var fishers = new[] { Write("fa", [1f, 1f, 1f, 1f]), Write("fb", [1f, 1f, 1f, 1f]) };
        var negativeOnAttention = ParameterSetting.Filtered([new FilterRule("self_attn", ParameterSetting.Of(-1)), new FilterRule(null, ParameterSetting.Of(1))], ordered: false);

        var error = Assert.Throws<MergeException>(() => FisherMerge.Build(models, fishers, [negativeOnAttention]));

        Assert.Equal(FisherWeighted.InvalidWeight, error.ErrorId);
        Assert.Equal(Attention, error.TensorName);
    }

    [Fact]
    public void A_negative_Fisher_value_stops_the_export_naming_both_checkpoints_and_leaves_no_output()
    {
        var models = new[] { Write("a", [1f, 2f, -1f, 1f]), Write("b", [3f, -2f, 1f, 4f]) };
        var fishers = new[] { Write("fa", [1f, 1f, 1f, 1f]), Write("fb", [1f, 1f, -2f, 1f]) };
        string target = _folder.Child("never");

        var error = Assert.Throws<MergeException>(() => CheckpointExporter.Export(FisherMerge.Build(models, fishers), target, new ExportOptions()));

        Assert.Equal(FisherWeighted.InvalidFisher, error.ErrorId);
        Assert.Contains("'fb', the Fisher of 'b',", error.Message);
        Assert.Contains("element 2", error.Message);
        Assert.False(Directory.Exists(target));
        Assert.DoesNotContain(Directory.EnumerateDirectories(_folder.Path), d => Path.GetFileName(d).StartsWith('.'));
    }

    /// <summary>Two tensors, an mlp and an attention matrix, with the same values.</summary>
    private static TensorValues[] Tensors(float[] values) => [new TensorValues(Mlp, values), new TensorValues(Attention, values)];

    private CheckpointHandle Write(string name, float[] values) => Open(name, Tensors(values));

    private CheckpointHandle Open(string name, IReadOnlyList<TensorValues> tensors) =>
        CheckpointHandle.Open(SafetensorsFiles.WriteF32(_folder.Child(name), tensors));

    private Dictionary<string, float[]> Export(CheckpointHandle merged) =>
        SafetensorsFiles.ReadSingles(CheckpointExporter.Export(merged, _folder.Child($"out-{Guid.NewGuid():N}"), new ExportOptions()).Path);

    public void Dispose() => _folder.Dispose();
}
