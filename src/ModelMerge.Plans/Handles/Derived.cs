using ModelMerge.Plans.Graph;

namespace ModelMerge.Plans.Handles;

/// <summary>Checkpoints computed from other handles.</summary>
internal static class Derived
{
    /// <summary>
    /// A checkpoint shaped like <paramref name="baseModel"/> whose floating-point tensors come
    /// from <paramref name="merged"/>; integer and other non-float tensors are the base's, unchanged.
    /// </summary>
    public static CheckpointHandle Merged(CheckpointHandle baseModel, string name, string description,
        Func<TensorSpec, ITensorPlan> merged, IEnumerable<string> inputPaths)
    {
        var inputs = new HashSet<string>(baseModel.InputPaths, StringComparer.Ordinal);
        inputs.UnionWith(inputPaths);
        return new CheckpointHandle(name, description, null, baseModel.Tensors,
            spec => spec.IsMergeable ? merged(spec) : baseModel.PlanFor(spec.Name),
            baseModel.Donor, inputs, baseModel.ConfigChanges);
    }
}
