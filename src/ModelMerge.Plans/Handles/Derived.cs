using ModelMerge.Plans.Graph;

namespace ModelMerge.Plans.Handles;

/// <summary>Checkpoints computed from other handles.</summary>
internal static class Derived
{
    /// <summary>
    /// θ_base + Δ for every floating-point tensor; integer and other non-float tensors are the
    /// base's, unchanged.
    /// </summary>
    public static CheckpointHandle FromDelta(CheckpointHandle baseModel, string name, string description,
        Func<TensorSpec, ITensorPlan> delta, IEnumerable<string> inputPaths)
    {
        var inputs = new HashSet<string>(baseModel.InputPaths, StringComparer.Ordinal);
        inputs.UnionWith(inputPaths);
        return new CheckpointHandle(name, description, null, baseModel.Tensors,
            spec => spec.IsMergeable ? new AddDeltaPlan(baseModel.PlanFor(spec.Name), delta(spec)) : baseModel.PlanFor(spec.Name),
            baseModel.Donor, inputs);
    }
}
