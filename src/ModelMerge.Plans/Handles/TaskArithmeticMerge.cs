using ModelMerge.Methods;
using ModelMerge.Methods.Framework;
using ModelMerge.Plans.Graph;
using ModelMerge.Plans.Parameters;

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

/// <summary>Builds task arithmetic, TIES, DARE, breadcrumbs and DELLA merges as one lazy checkpoint.</summary>
public static class TaskArithmeticMerge
{
    public static CheckpointHandle Build(TaskArithmeticMethod method, IReadOnlyList<TaskVectorHandle> taskVectors, TaskArithmeticOptions options)
    {
        if (taskVectors.Count == 0) throw new PlanException("NoInput", "at least one task vector is needed.");
        var settings = new Dictionary<string, ParameterSetting>(StringComparer.OrdinalIgnoreCase)
        {
            ["lambda"] = ParameterSetting.Of(options.Lambda),
        };
        if (options.Normalize is bool normalize) settings["normalize"] = ParameterSetting.Of(normalize);
        if (options.Rescale is Rescale rescale) settings["rescale"] = ParameterSetting.Of(rescale != Methods.Rescale.None);
        var perModel = PerModelSettings.Empty(taskVectors.Count);
        foreach (var (name, values) in new[] { ("density", options.Density), ("gamma", options.Gamma), ("epsilon", options.Epsilon) })
            PerModelSettings.Spread(name, values?.Select(ParameterSetting.Of).ToList(), settings, perModel);
        var inputs = taskVectors.Select((v, i) => MergeInput.Of(v, perModel[i])).ToList();
        return MethodMerge.Build(new MergeRequest(MergeMethods.Find(method.Name)!, inputs)
        {
            Settings = settings,
            Seed = options.Seed,
            SignRule = options.SignRule,
            RescaleRule = options.Rescale is Rescale rule && rule != Methods.Rescale.None ? rule : Methods.Rescale.L1,
        });
    }

    /// <summary>One tensor of a family merge: each delta sparsified on its own, then combined over the base (§4.1 steps 3–8).</summary>
    internal static ITensorPlan PlanTensor(TaskArithmeticMethod method, ITensorPlan basePlan, IReadOnlyList<ITensorPlan> deltas,
        TensorParameters parameters, MergeRequest request)
    {
        var weights = parameters.PerModel("weight");
        var densities = parameters.PerModel("density");
        bool normalize = parameters.Flag("normalize");
        var rescale = parameters.Flag("rescale") ? request.RescaleRule : Rescale.None;
        double lambda = parameters.Number("lambda");

        ITensorPlan Sparsified(int i) => method.Sparsifier switch
        {
            Sparsifier.None => deltas[i],
            Sparsifier.Magnitude => new MagnitudeTrimPlan(deltas[i], densities[i], rescale),
            Sparsifier.Random => new RandomDropPlan(deltas[i], densities[i], request.Seed, i, rescale),
            Sparsifier.MagnitudeOutliers => new OutlierTrimPlan(deltas[i], densities[i], parameters.PerModel("gamma")[i], rescale),
            Sparsifier.RankedRandom => new RankedDropPlan(deltas[i], parameters.Shape, densities[i], parameters.PerModel("epsilon")[i], request.Seed, i, rescale),
            _ => throw new ArgumentOutOfRangeException(nameof(method), method.Sparsifier, "no plan for this sparsifier."),
        };

        var inputs = Enumerable.Range(0, deltas.Count).Select(Sparsified).ToList();
        if (inputs.Count == 0) return basePlan;
        if (method.SignConsensus) return new SignConsensusPlan(basePlan, inputs, weights, request.SignRule, normalize, lambda);
        double weightSum = weights.Sum();
        // §4.1: without consensus the divisor is Σw, replaced by 1 when it is (nearly) zero.
        double divisor = normalize && Math.Abs(weightSum) >= 1e-8 ? weightSum : 1.0;
        return new WeightedSumPlan(basePlan, inputs, weights, divisor, lambda);
    }

    internal static double[] Expand(double[]? values, int count, double fallback, string name)
    {
        if (values is null || values.Length == 0) return Enumerable.Repeat(fallback, count).ToArray();
        if (values.Length == 1) return Enumerable.Repeat(values[0], count).ToArray();
        if (values.Length != count)
            throw new PlanException("ParameterCountMismatch", $"{name} has {values.Length} values for {count} inputs; give one value, or one per input.");
        return values;
    }
}
