using ModelMerge.Compute;
using ModelMerge.Methods;
using ModelMerge.Plans.Graph;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>§11 decision 4: a Model Stock ratio outside [0, 1] passes through, and the plan says so.</summary>
public sealed class MethodRemarkTests
{
    private static List<string> Warnings(float[] theta, float[] a, float[] b)
    {
        var warnings = new List<string>();
        var plan = new MethodPlan(new ArrayPlan(theta), [new ArrayPlan(MergeReference.TaskVector(a, theta)), new ArrayPlan(MergeReference.TaskVector(b, theta))],
            [theta.Length], new ModelStock(filterWise: false));
        using var prepared = plan.Prepare("model.layers.0.mlp.up_proj.weight", new PlanContext(new ChunkRunner(1), warnings.Add));
        return warnings;
    }

    [Fact]
    public void Offsets_pointing_apart_extrapolate_and_are_reported()
    {
        // Offsets (1, 0.1) and (−0.8, 0.1): cosine ≈ −0.98, so t = 2c/(1 + c) is far below 0.
        var warning = Assert.Single(Warnings([0, 0], [1, 0.1f], [-0.8f, 0.1f]));
        Assert.Contains("model.layers.0.mlp.up_proj.weight", warning);
        Assert.Contains("outside [0, 1]", warning);
    }

    [Fact]
    public void Agreeing_offsets_interpolate_silently()
    {
        Assert.Empty(Warnings([1, 0, 0.5f, -0.5f], [1.2f, 0.1f, 0.5f, -0.3f], [1.1f, -0.1f, 0.7f, -0.4f]));
    }
}
