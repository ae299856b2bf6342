using System.Globalization;
using ModelMerge.Methods;
using ModelMerge.Plans.Graph;

namespace ModelMerge.Plans.Handles;

/// <summary>The weighted average of checkpoints (merge-semantics §3.1; a uniform model soup).</summary>
public static class LinearMerge
{
    public const string WeightsSumToZero = "WeightsSumToZero";

    public static CheckpointHandle Build(IReadOnlyList<CheckpointHandle> checkpoints, double[]? weights, bool normalize = true)
    {
        if (checkpoints.Count == 0) throw new PlanException("NoInput", "at least one checkpoint is needed.");
        var first = checkpoints[0];
        foreach (var other in checkpoints.Skip(1)) Compatibility.RequireSameTensors(first, other);
        var w = TaskArithmeticMerge.Expand(weights, checkpoints.Count, 1.0, "Weight");
        double sum = w.Sum();
        if (normalize && Math.Abs(sum) < 1e-8)
            throw new MergeException(WeightsSumToZero, $"the weights [{string.Join(", ", w)}] sum to zero, so their average is undefined; change a weight or use -Normalize:$false.");
        double divisor = normalize ? sum : 1.0;

        var inputs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in checkpoints) inputs.UnionWith(c.InputPaths);
        string description = string.Create(CultureInfo.InvariantCulture,
            $"linear(weights=[{string.Join(", ", w)}], normalize={normalize}) of [{string.Join(", ", checkpoints.Select(c => c.Name))}]");
        return new CheckpointHandle("linear", description, null, first.Tensors,
            spec => spec.IsMergeable
                ? new WeightedSumPlan(null, checkpoints.Select(c => c.PlanFor(spec.Name)).ToList(), w, divisor, 1.0)
                : first.PlanFor(spec.Name),
            first.Donor, inputs);
    }
}
