using ModelMerge.Plans.Graph;
using ModelMerge.Plans.Parameters;

namespace ModelMerge.Plans.Handles;

/// <summary>
/// One model going into a merge — a checkpoint, or a task vector over the merge's base — with
/// its own parameter settings (the recipe's per-model <c>parameters</c>).
/// </summary>
public sealed class MergeInput
{
    private MergeInput(string name, CheckpointHandle? checkpoint, TaskVectorHandle? taskVector, IReadOnlyDictionary<string, ParameterSetting> settings)
    {
        Name = name;
        Checkpoint = checkpoint;
        TaskVector = taskVector;
        Settings = settings;
    }

    public string Name { get; }

    public CheckpointHandle? Checkpoint { get; }

    public TaskVectorHandle? TaskVector { get; }

    /// <summary>Settings by recipe parameter name (weight, density, ...), case-insensitive.</summary>
    public IReadOnlyDictionary<string, ParameterSetting> Settings { get; }

    public static MergeInput Of(CheckpointHandle checkpoint, IReadOnlyDictionary<string, ParameterSetting>? settings = null) =>
        new(checkpoint.Name, checkpoint, null, Copy(settings));

    /// <summary>A task vector brings its weight; a weight in <paramref name="settings"/> replaces it.</summary>
    public static MergeInput Of(TaskVectorHandle vector, IReadOnlyDictionary<string, ParameterSetting>? settings = null)
    {
        var all = Copy(settings);
        all.TryAdd("weight", vector.Weight);
        return new(vector.Name, null, vector, all);
    }

    /// <summary>The name the input's own model gives tensor <paramref name="name"/> (differs inside layer stacks).</summary>
    internal string SourceNameOf(string name) => Checkpoint?.SourceNameOf(name) ?? TaskVector!.Base.SourceNameOf(name);

    internal IEnumerable<string> InputPaths => Checkpoint?.InputPaths ?? TaskVector!.InputPaths;

    /// <summary>The tensors this input has, by name: a checkpoint's, or a task vector's (its base's floating-point ones).</summary>
    internal TensorSpec? FindTensor(string name) =>
        Checkpoint is not null ? Checkpoint.FindTensor(name) : TaskVector!.Base.FindTensor(name) is { IsMergeable: true } spec ? spec : null;

    /// <summary>Names of every tensor a checkpoint input has; none for a task vector, whose tensors are its base's.</summary>
    internal IEnumerable<string> TensorNames => Checkpoint?.Tensors.Select(t => t.Name) ?? [];

    /// <summary>
    /// θ_i for <paramref name="output"/>, read from the input's tensor <paramref name="source"/>
    /// (another name where a tied head stands in), cut to the output's rows (§7.2). A task
    /// vector gives its fine-tuned model, or base + τ once sparsified.
    /// </summary>
    internal ITensorPlan Values(TensorSpec output, string source)
    {
        ITensorPlan plan;
        if (Checkpoint is not null) plan = Checkpoint.PlanFor(source);
        else if (TaskVector!.FineTuned is CheckpointHandle fineTuned && fineTuned.FindTensor(source) is not null) plan = fineTuned.PlanFor(source);
        else plan = new WeightedSumPlan(TaskVector.Base.PlanFor(source), [TaskVector.PlanFor(FindTensor(source)!)], [1.0], 1.0, 1.0);
        return PrefixPlan.Of(plan, output.ElementCount);
    }

    /// <summary>τ_i for <paramref name="output"/> relative to <paramref name="basePlan"/> (already cut to the output's rows).</summary>
    internal ITensorPlan Delta(TensorSpec output, string source, ITensorPlan basePlan) =>
        Checkpoint is not null
            ? new DifferencePlan(PrefixPlan.Of(Checkpoint.PlanFor(source), output.ElementCount), basePlan)
            : PrefixPlan.Of(TaskVector!.PlanFor(FindTensor(source)!), output.ElementCount);

    private static Dictionary<string, ParameterSetting> Copy(IReadOnlyDictionary<string, ParameterSetting>? settings) =>
        settings is null ? new(StringComparer.OrdinalIgnoreCase) : new(settings, StringComparer.OrdinalIgnoreCase);
}
