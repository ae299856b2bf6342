using ModelMerge.Plans.Graph;
using ModelMerge.Plans.Parameters;

namespace ModelMerge.Plans.Handles;

/// <summary>
/// What fine-tuning changed: τ = θ_fine-tuned − θ_base over the base's floating-point tensors,
/// possibly sparsified, with the weight it carries into a merge. Lazy like every handle.
/// </summary>
public sealed class TaskVectorHandle
{
    private readonly Func<TensorSpec, ITensorPlan> _planFor;

    internal TaskVectorHandle(string name, string description, CheckpointHandle baseModel, ParameterSetting weight,
        Func<TensorSpec, ITensorPlan> planFor, IReadOnlySet<string> inputPaths, CheckpointHandle? fineTuned = null)
    {
        FineTuned = fineTuned;
        Name = name;
        Description = description;
        Base = baseModel;
        Weight = weight;
        _planFor = planFor;
        InputPaths = inputPaths;
        Tensors = baseModel.Tensors.Where(t => t.IsMergeable).ToList();
    }

    /// <summary>The fine-tuned model's name.</summary>
    public string Name { get; }

    /// <summary>How the vector is computed, e.g. "ft1 - base" or "dare(density=0.5, seed=7) of ft1 - base".</summary>
    public string Description { get; }

    public CheckpointHandle Base { get; }

    /// <summary>The weight w_i this vector carries into a merge (negative negates it): a number, or one that varies by tensor name and layer.</summary>
    public ParameterSetting Weight { get; }

    /// <summary>The fine-tuned checkpoint when the vector is its plain difference from the base (not sparsified).</summary>
    internal CheckpointHandle? FineTuned { get; }

    /// <summary>The tensors the vector covers: the base's floating-point tensors.</summary>
    public IReadOnlyList<TensorSpec> Tensors { get; }

    public int TensorCount => Tensors.Count;

    public long ParameterCount => Tensors.Sum(t => t.ElementCount);

    internal IReadOnlySet<string> InputPaths { get; }

    public ITensorPlan PlanFor(TensorSpec tensor) => _planFor(tensor);

    /// <summary>A new vector computed from this one tensor by tensor.</summary>
    internal TaskVectorHandle Derive(string description, Func<TensorSpec, ITensorPlan, ITensorPlan> transform) =>
        new(Name, description, Base, Weight, spec => transform(spec, _planFor(spec)), InputPaths);

    public override string ToString() => $"{Description} (weight {Weight})";
}
