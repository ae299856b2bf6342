using System.Globalization;
using ModelMerge.Formats;
using ModelMerge.Methods;
using ModelMerge.Plans.Graph;
using ModelMerge.Plans.Parameters;

namespace ModelMerge.Plans.Handles;

/// <summary>Builds task vectors: differences from a base, and DARE-dropped versions of them.</summary>
public static class TaskVectors
{
    /// <summary>τ = fine-tuned − base. The two must have the same tensors with the same shapes.</summary>
    public static TaskVectorHandle Difference(CheckpointHandle baseModel, CheckpointHandle fineTuned, double weight = 1.0) =>
        Difference(baseModel, fineTuned, ParameterSetting.Of(weight));

    /// <summary>
    /// τ = fine-tuned − base, carrying a weight that may vary by tensor name and layer. As in the
    /// task-arithmetic family (§7.2), a fine-tune with a larger vocabulary is cut to the base's
    /// rows, and one that ties its output head contributes its input embedding there.
    /// </summary>
    public static TaskVectorHandle Difference(CheckpointHandle baseModel, CheckpointHandle fineTuned, ParameterSetting weight)
    {
        var alignment = TensorAlignment.Build(Methods.Framework.VocabularyRule.BaseRows, "a task vector", baseModel,
        [
            new(baseModel.Name, baseModel.FindTensor, baseModel.Tensors.Select(t => t.Name), IsBase: true),
            new(fineTuned.Name, fineTuned.FindTensor, fineTuned.Tensors.Select(t => t.Name), IsBase: false),
        ], warn: null);
        var extra = alignment.Outputs.FirstOrDefault(t => baseModel.FindTensor(t.Name) is null);
        if (extra is not null)
            throw new PlanException(Compatibility.TensorSetMismatch,
                $"'{fineTuned.Name}' has a tensor '{extra.Name}' that the base '{baseModel.Name}' lacks; the models are not the same architecture.", extra.Name);
        var inputs = new HashSet<string>(baseModel.InputPaths, StringComparer.Ordinal);
        inputs.UnionWith(fineTuned.InputPaths);
        return new TaskVectorHandle(fineTuned.Name, $"{fineTuned.Name} - {baseModel.Name}", baseModel, weight,
            spec => new DifferencePlan(PrefixPlan.Of(fineTuned.PlanFor(alignment.SourceName(1, spec.Name)), spec.ElementCount), baseModel.PlanFor(spec.Name)),
            inputs, fineTuned);
    }

    /// <summary>
    /// DARE: keep each element with probability <paramref name="density"/>, rescale survivors.
    /// <paramref name="modelIndex"/> keys the random stream so that vectors dropped with one seed
    /// get independent masks.
    /// </summary>
    public static TaskVectorHandle RandomDrop(TaskVectorHandle taskVector, double density, ulong seed, int modelIndex, Rescale rescale)
    {
        if (double.IsNaN(density) || density < 0 || density > 1)
            throw new ArgumentOutOfRangeException(nameof(density), density, "density must be in [0, 1].");
        return RandomDrop(taskVector, ParameterSetting.Of(density), seed, modelIndex, rescale);
    }

    /// <summary>DARE with a density that may vary by tensor name and layer; each tensor's value must lie in [0, 1].</summary>
    public static TaskVectorHandle RandomDrop(TaskVectorHandle taskVector, ParameterSetting density, ulong seed, int modelIndex, Rescale rescale)
    {
        var positions = LayerPositions.Of(taskVector.Base.Tensors.Select(t => t.Name));
        var densities = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var spec in taskVector.Tensors)
        {
            double value = density.Resolve(spec.Name, positions.For(spec.Name))
                ?? throw new PlanException(ParameterErrors.Missing, $"the density {density} gives no value for tensor '{spec.Name}'; add a default.", spec.Name);
            if (double.IsNaN(value) || value < 0 || value > 1)
                throw new PlanException(ParameterErrors.Invalid, $"the density for tensor '{spec.Name}' is {value}; a keep probability is in [0, 1].", spec.Name);
            densities[spec.Name] = value;
        }
        string description = string.Create(CultureInfo.InvariantCulture,
            $"dare(density={density}, seed={seed}, rescale={rescale}) of {taskVector.Description}");
        return taskVector.Derive(description, (spec, plan) => new RandomDropPlan(plan, densities[spec.Name], seed, modelIndex, rescale));
    }
}

/// <summary>Checks that inputs can be merged tensor by tensor.</summary>
public static class Compatibility
{
    public const string TensorSetMismatch = "TensorSetMismatch";
    public const string TensorShapeMismatch = "TensorShapeMismatch";
    public const string TensorDTypeMismatch = "TensorDTypeMismatch";
    public const string BaseMismatch = "BaseMismatch";

    /// <summary>One handle, or two opens of the same stored checkpoint.</summary>
    public static bool SameCheckpoint(CheckpointHandle a, CheckpointHandle b) =>
        ReferenceEquals(a, b) || (a.Path is not null && a.Path == b.Path);

    /// <summary>All task vectors must be relative to one base, or their sum means nothing.</summary>
    public static CheckpointHandle RequireCommonBase(IReadOnlyList<TaskVectorHandle> taskVectors)
    {
        if (taskVectors.Count == 0) throw new PlanException("NoInput", "at least one task vector is needed.");
        var first = taskVectors[0].Base;
        foreach (var tv in taskVectors.Skip(1))
        {
            if (!SameCheckpoint(tv.Base, first))
                throw new PlanException(BaseMismatch,
                    $"task vector '{tv.Name}' is relative to '{tv.Base}' but '{taskVectors[0].Name}' is relative to '{first}'; task vectors can only be merged over one base.", tv.Name);
        }
        return first;
    }
}
