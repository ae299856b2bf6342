using ModelMerge.Methods;
using ModelMerge.Methods.Framework;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>merge-semantics §2: the registry rows of model_stock, sce, passthrough, nearswap, arcee_fusion, ram and ramplus_tl.</summary>
public sealed class OtherMethodsRegistryTests
{
    /// <summary>Name, base use, what the models are handed as, fewest and most models.</summary>
    public static TheoryData<string, BaseModelUse, ModelValues, int, int?> Rows => new()
    {
        { "model_stock", BaseModelUse.Required, ModelValues.TaskVectors, 2, null },
        { "sce", BaseModelUse.Required, ModelValues.TaskVectors, 0, null },
        { "passthrough", BaseModelUse.None, ModelValues.Checkpoints, 1, 1 },
        { "nearswap", BaseModelUse.Required, ModelValues.Checkpoints, 1, 1 },
        { "arcee_fusion", BaseModelUse.Required, ModelValues.Checkpoints, 1, 1 },
        { "ram", BaseModelUse.Required, ModelValues.TaskVectors, 0, null },
        { "ramplus_tl", BaseModelUse.Required, ModelValues.TaskVectors, 0, null },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Method_is_registered_with_its_inputs(string name, BaseModelUse baseModel, ModelValues values, int min, int? max)
    {
        var method = MergeMethods.Find(name);

        Assert.NotNull(method);
        Assert.Equal(baseModel, method.BaseModel);
        Assert.Equal(values, method.Values);
        Assert.Equal(min, method.MinModels);
        Assert.Equal(max, method.MaxModels);
        Assert.NotNull(method.Create);
    }

    /// <summary>Method, parameter, per model or global, default (null: required).</summary>
    public static TheoryData<string, string, bool, double?> Parameters => new()
    {
        { "model_stock", "filter_wise", false, 0 },
        { "sce", "select_topk", false, 1.0 },
        { "sce", "int8_mask", false, 0 },
        { "passthrough", "scale", true, 1.0 },
        { "nearswap", "t", false, null },
        { "ram", "epsilon", false, 1e-5 },
        { "ramplus_tl", "r", false, 0.1 },
        { "ramplus_tl", "alpha", false, 0.2 },
        { "ramplus_tl", "epsilon", false, 1e-5 },
    };

    [Theory]
    [MemberData(nameof(Parameters))]
    public void Parameter_has_mergekits_default(string name, string parameter, bool perModel, double? defaultValue)
    {
        var found = MergeMethods.Find(name)!.FindParameter(parameter);

        Assert.NotNull(found);
        Assert.Equal(perModel, found.PerModel);
        Assert.Equal(defaultValue, found.Default);
    }

    [Fact]
    public void Boolean_parameters_are_declared_boolean()
    {
        Assert.Equal(ParameterKind.Boolean, ModelStock.Method.FindParameter("filter_wise")!.Kind);
        Assert.Equal(ParameterKind.Boolean, Sce.Method.FindParameter("int8_mask")!.Kind);
    }

    [Fact]
    public void Arcee_fusion_takes_no_parameters()
    {
        Assert.Empty(ArceeFusion.Method.Parameters);
    }

    [Fact]
    public void Registry_defaults_build_the_worked_examples()
    {
        // sce with the default select_topk (1) is example SCE1's first row; ramplus_tl with its defaults is RAM1's second.
        float[][] sceTaus = [[0.5f, -0.25f, 0.25f, 0f, 0.375f], [0.25f, 0.375f, 0.25f, -0.125f, -0.125f], [-0.125f, 0.125f, 0.25f, 0.25f, 0.25f]];
        float[][] ramTaus = [[0.1f, 0.2f, -0.1f, 0.3f, 0.1f, -0.2f, 0.4f, 0f], [0f, 0f, 0f, 0f, 0f, 0f, -0.2f, 0.5f], [0f, 0f, 0f, 0f, 0f, 0f, 0f, 0.3f]];

        var sce = TensorMergeRunner.Run(Sce.Method.Create!(MethodChecks.Parameters(Sce.Method, 3)), [5], new float[5], sceTaus);
        var ram = TensorMergeRunner.Run(ReinforcedAgentMerge.PlusMethod.Create!(MethodChecks.Parameters(ReinforcedAgentMerge.PlusMethod, 3)), [8], new float[8], ramTaus);
        var nearSwap = TensorMergeRunner.Run(NearSwap.Method.Create!(MethodChecks.Parameters(NearSwap.Method, 1, new Dictionary<string, double> { ["t"] = 0.001 })),
            [4], [1f, 1f, 1f, 1f], [1.0005f, 1.002f, 1.1f, 0f]);

        WorkedExample.AssertClose([0.408654, 0.268939, 0.25, 0.25, 0.337766], sce);
        WorkedExample.AssertClose([0.101667, 0.203333, -0.101667, 0.305, 0.101667, -0.203333, 0.1, 0.4], ram);
        WorkedExample.AssertClose([1.0005, 1.001, 1.001, 0.999], nearSwap);
    }
}
