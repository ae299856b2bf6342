using ModelMerge.Methods;
using ModelMerge.Plans.Parameters;

namespace ModelMerge.Plans.Handles;

/// <summary>The weighted average of checkpoints (merge-semantics §3.1; a uniform model soup).</summary>
public static class LinearMerge
{
    public const string WeightsSumToZero = Linear.WeightsSumToZero;

    public static CheckpointHandle Build(IReadOnlyList<CheckpointHandle> checkpoints, double[]? weights, bool normalize = true, Action<string>? warn = null)
    {
        if (checkpoints.Count == 0) throw new PlanException("NoInput", "at least one checkpoint is needed.");
        var w = TaskArithmeticMerge.Expand(weights, checkpoints.Count, 1.0, "Weight");
        // Constant weights can be checked now rather than at the first tensor.
        if (normalize && Math.Abs(w.Sum()) < 1e-8)
            throw new MergeException(WeightsSumToZero, $"the weights [{string.Join(", ", w)}] sum to zero, so their average is undefined; change a weight or use -Normalize:$false.");
        var inputs = checkpoints.Select((c, i) => MergeInput.Of(c, new Dictionary<string, ParameterSetting> { ["weight"] = ParameterSetting.Of(w[i]) })).ToList();
        return MethodMerge.Build(new MergeRequest(MergeMethods.Find("linear")!, inputs)
        {
            Settings = new Dictionary<string, ParameterSetting>(StringComparer.OrdinalIgnoreCase) { ["normalize"] = ParameterSetting.Of(normalize) },
        }, warn);
    }
}
