using ModelMerge.Methods;
using ModelMerge.Methods.Framework;

namespace ModelMerge.Tests.Methods;

/// <summary>The interpolation methods' rows of the registry (merge-semantics §2).</summary>
public sealed class InterpolationRegistryTests
{
    public static TheoryData<string, BaseModelUse, ModelValues, int, int?> Rows => new()
    {
        { "slerp", BaseModelUse.Required, ModelValues.Checkpoints, 1, 1 },
        { "nuslerp", BaseModelUse.Optional, ModelValues.TaskVectors, 2, 2 },
        { "multislerp", BaseModelUse.Optional, ModelValues.TaskVectors, 1, null },
        { "karcher", BaseModelUse.Input, ModelValues.Checkpoints, 1, null },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Each_method_is_registered_with_its_inputs(string name, BaseModelUse baseModel, ModelValues values, int minModels, int? maxModels)
    {
        var method = MergeMethods.Find(name);
        Assert.NotNull(method);
        Assert.NotNull(method.Create);
        Assert.Equal((baseModel, values, minModels, maxModels), (method.BaseModel, method.Values, method.MinModels, method.MaxModels));
    }

    [Theory]
    [InlineData("slerp", "t", false, null)]
    [InlineData("nuslerp", "weight", true, null)]
    [InlineData("nuslerp", "nuslerp_flatten", false, 1.0)]
    [InlineData("nuslerp", "nuslerp_row_wise", false, 0.0)]
    [InlineData("multislerp", "weight", true, null)]
    [InlineData("multislerp", "normalize_weights", false, 1.0)]
    [InlineData("multislerp", "eps", false, 1e-8)]
    [InlineData("karcher", "max_iter", false, 10.0)]
    [InlineData("karcher", "tol", false, 1e-5)]
    public void Each_parameter_has_the_default_of_section_2(string methodName, string parameterName, bool perModel, double? defaultValue)
    {
        var parameter = MergeMethods.Find(methodName)!.FindParameter(parameterName);
        Assert.NotNull(parameter);
        Assert.Equal((perModel, defaultValue), (parameter.PerModel, parameter.Default));
    }

    [Theory]
    [InlineData("nuslerp", "nuslerp_flatten", ParameterKind.Boolean)]
    [InlineData("nuslerp", "nuslerp_row_wise", ParameterKind.Boolean)]
    [InlineData("multislerp", "normalize_weights", ParameterKind.Boolean)]
    [InlineData("karcher", "max_iter", ParameterKind.Integer)]
    [InlineData("slerp", "t", ParameterKind.Number)]
    public void Flags_and_counts_are_typed(string methodName, string parameterName, ParameterKind kind)
    {
        Assert.Equal(kind, MergeMethods.Find(methodName)!.FindParameter(parameterName)!.Kind);
    }

    [Fact]
    public void Karcher_and_slerp_read_no_weight()
    {
        Assert.Null(Karcher.Method.FindParameter("weight"));
        Assert.Null(Slerp.Method.FindParameter("weight"));
    }
}
