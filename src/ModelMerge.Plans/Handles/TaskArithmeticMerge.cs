using System.Globalization;
using ModelMerge.Methods;
using ModelMerge.Plans.Graph;

namespace ModelMerge.Plans.Handles;

/// <summary>
/// Settings of one task-arithmetic-family merge (merge-semantics §4.1). Null means the
/// method's default from the registry table.
/// </summary>
public sealed record TaskArithmeticOptions
{
    /// <summary>Per task vector, or one value for all; null = 1.0 (no sparsification).</summary>
    public double[]? Density { get; init; }

    /// <summary>Breadcrumbs' fraction of the largest magnitudes dropped, per task vector or one for all; null = 0.01.</summary>
    public double[]? Gamma { get; init; }

    /// <summary>DELLA's spread of the keep probability by magnitude rank, per task vector or one for all; null = 0.15.</summary>
    public double[]? Epsilon { get; init; }

    public bool? Normalize { get; init; }

    public Rescale? Rescale { get; init; }

    public double Lambda { get; init; } = TaskArithmeticMethod.DefaultLambda;

    public SignRule SignRule { get; init; } = SignRule.Sum;

    /// <summary>Keys the random sparsifiers' streams (DARE, DELLA).</summary>
    public ulong Seed { get; init; }
}

/// <summary>Builds the task-arithmetic family (task arithmetic, TIES, DARE, Breadcrumbs, DELLA) as one lazy checkpoint.</summary>
public static class TaskArithmeticMerge
{
    public static CheckpointHandle Build(TaskArithmeticMethod method, IReadOnlyList<TaskVectorHandle> taskVectors, TaskArithmeticOptions options)
    {
        var baseModel = Compatibility.RequireCommonBase(taskVectors);
        int count = taskVectors.Count;
        var densities = Expand(options.Density, count, TaskArithmeticMethod.DefaultDensity, "Density");
        var gammas = Expand(options.Gamma, count, TaskArithmeticMethod.DefaultGamma, "Gamma");
        var epsilons = Expand(options.Epsilon, count, TaskArithmeticMethod.DefaultEpsilon, "Epsilon");
        bool normalize = options.Normalize ?? method.NormalizeDefault;
        var rescale = options.Rescale ?? (method.RescaleDefault ? Rescale.L1 : Rescale.None);
        var weights = taskVectors.Select(tv => tv.Weight).ToArray();
        double weightSum = taskVectors.Sum(tv => tv.Weight);
        // §4.1: without consensus the divisor is Σw, replaced by 1 when it is (nearly) zero.
        double divisor = normalize && Math.Abs(weightSum) >= 1e-8 ? weightSum : 1.0;

        ITensorPlan Sparsified(int i, TensorSpec spec) => method.Sparsifier switch
        {
            Sparsifier.None => taskVectors[i].PlanFor(spec),
            Sparsifier.Magnitude => new MagnitudeTrimPlan(taskVectors[i].PlanFor(spec), densities[i], rescale),
            Sparsifier.Random => new RandomDropPlan(taskVectors[i].PlanFor(spec), densities[i], options.Seed, i, rescale),
            Sparsifier.MagnitudeOutliers => new OutlierTrimPlan(taskVectors[i].PlanFor(spec), densities[i], gammas[i], rescale),
            Sparsifier.RankedRandom => new RankedDropPlan(taskVectors[i].PlanFor(spec), spec.Shape, densities[i], epsilons[i], options.Seed, i, rescale),
            _ => throw new ArgumentOutOfRangeException(nameof(method)),
        };

        ITensorPlan Merged(TensorSpec spec)
        {
            var basePlan = baseModel.PlanFor(spec.Name);
            var inputs = Enumerable.Range(0, count).Select(i => Sparsified(i, spec)).ToList();
            return method.SignConsensus
                ? new SignConsensusPlan(basePlan, inputs, weights, options.SignRule, normalize, options.Lambda)
                : new WeightedSumPlan(basePlan, inputs, weights, divisor, options.Lambda);
        }

        string settings = FormattableString.Invariant($"density={Describe(densities)}, normalize={normalize}, lambda={options.Lambda}")
            + (method.SignConsensus ? $", sign={options.SignRule}" : "")
            + (method.Sparsifier == Sparsifier.MagnitudeOutliers ? $", gamma={Describe(gammas)}" : "")
            + (method.Sparsifier == Sparsifier.RankedRandom ? $", epsilon={Describe(epsilons)}" : "")
            + (method.Sparsifier is Sparsifier.Random or Sparsifier.RankedRandom ? $", seed={options.Seed}" : "")
            + (method.Sparsifier != Sparsifier.None ? $", rescale={rescale}" : "");
        string description = $"{method.Name}({settings}) of [{string.Join(", ", taskVectors.Select(tv => tv.Description))}]";
        return Derived.Merged(baseModel, method.Name, description, Merged, taskVectors.SelectMany(tv => tv.InputPaths));
    }

    internal static double[] Expand(double[]? values, int count, double fallback, string name)
    {
        if (values is null || values.Length == 0) return Enumerable.Repeat(fallback, count).ToArray();
        if (values.Length == 1) return Enumerable.Repeat(values[0], count).ToArray();
        if (values.Length != count)
            throw new PlanException("ParameterCountMismatch", $"{name} has {values.Length} values for {count} inputs; give one value, or one per input.");
        return values;
    }

    private static string Describe(double[] values) =>
        values.Distinct().Count() == 1 ? values[0].ToString(CultureInfo.InvariantCulture)
            : "[" + string.Join(", ", values.Select(v => v.ToString(CultureInfo.InvariantCulture))) + "]";
}
