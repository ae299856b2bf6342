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

    /// <summary>The tensors this input has, by name.</summary>
    internal TensorSpec? FindTensor(string name) =>
        Checkpoint is not null ? Checkpoint.FindTensor(name) : TaskVector!.Tensors.FirstOrDefault(t => t.Name == name);

    /// <summary>θ_i: the checkpoint's values; for a task vector, its fine-tuned model, or base + τ once sparsified.</summary>
    internal ITensorPlan Values(TensorSpec spec)
    {
        if (Checkpoint is not null) return Checkpoint.PlanFor(spec.Name);
        if (TaskVector!.FineTuned is CheckpointHandle fineTuned) return fineTuned.PlanFor(spec.Name);
        return new WeightedSumPlan(TaskVector.Base.PlanFor(spec.Name), [TaskVector.PlanFor(spec)], [1.0], 1.0, 1.0);
    }

    /// <summary>τ_i relative to <paramref name="baseModel"/>.</summary>
    internal ITensorPlan Delta(TensorSpec spec, CheckpointHandle baseModel) =>
        Checkpoint is not null ? new DifferencePlan(Checkpoint.PlanFor(spec.Name), baseModel.PlanFor(spec.Name)) : TaskVector!.PlanFor(spec);

    private static Dictionary<string, ParameterSetting> Copy(IReadOnlyDictionary<string, ParameterSetting>? settings) =>
        settings is null ? new(StringComparer.OrdinalIgnoreCase) : new(settings, StringComparer.OrdinalIgnoreCase);
}
