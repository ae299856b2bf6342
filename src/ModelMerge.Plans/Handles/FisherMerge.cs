using System.Globalization;
using ModelMerge.Formats;
using ModelMerge.Methods;
using ModelMerge.Methods.Framework;
using ModelMerge.Plans.Graph;
using ModelMerge.Plans.Parameters;

namespace ModelMerge.Plans.Handles;

/// <summary>
/// The Fisher-weighted average of checkpoints (merge-semantics §10.2) as one lazy checkpoint:
/// each model comes with its diagonal Fisher, a checkpoint of the same tensor names and shapes
/// computed elsewhere. Every mismatch and every weight that cannot be used is found here, before
/// any tensor data is read; only the Fisher values themselves are checked as they stream past.
/// </summary>
public static class FisherMerge
{
    public const string ParameterCountMismatch = "ParameterCountMismatch";

    /// <param name="models">The checkpoints to average; non-float tensors are carried from the first.</param>
    /// <param name="fishers">One Fisher checkpoint per model, in the models' order.</param>
    /// <param name="weights">λ: null for 1 each, one setting for every model, or one per model; each may vary by tensor and layer (§1.3).</param>
    /// <param name="epsilon">ε, added to every Fisher value.</param>
    public static CheckpointHandle Build(IReadOnlyList<CheckpointHandle> models, IReadOnlyList<CheckpointHandle> fishers,
        IReadOnlyList<ParameterSetting>? weights = null, double epsilon = FisherWeighted.DefaultEpsilon)
    {
        if (models.Count == 0) throw new PlanException("NoInput", "a Fisher merge needs at least one model.");
        if (fishers.Count != models.Count)
            throw new PlanException(ParameterCountMismatch,
                $"{fishers.Count} Fisher checkpoint(s) for {models.Count} model(s); give one Fisher checkpoint per model, in the models' order.");
        var first = models[0];
        // The same architecture exactly: a Fisher merge has no rule for differing vocabularies.
        TensorAlignment.Build(VocabularyRule.Exact, "fisher", first,
            models.Select((m, i) => new TensorAlignment.Input(m.Name, m.FindTensor, m.Tensors.Select(t => t.Name), IsBase: i == 0)).ToList(), warn: null);
        foreach (var model in models.Skip(1))
            if (first.Tensors.FirstOrDefault(t => model.FindTensor(t.Name) is null) is TensorSpec missing)
                throw new PlanException(Compatibility.TensorSetMismatch,
                    $"'{model.Name}' has no tensor '{missing.Name}', which '{first.Name}' has; the models are not the same architecture.", missing.Name);
        for (int i = 0; i < models.Count; i++) RequireFisherOf(models[i], fishers[i]);

        var settings = new Dictionary<string, ParameterSetting>(StringComparer.OrdinalIgnoreCase);
        var perModel = PerModelSettings.Empty(models.Count);
        PerModelSettings.Spread("weight", weights, settings, perModel);
        settings["epsilon"] = ParameterSetting.Of(epsilon);
        var names = models.Select(m => m.Name).ToList();
        var fisherNames = models.Select((m, i) => $"'{fishers[i].Name}', the Fisher of '{m.Name}',").ToList();
        var positions = LayerPositions.Of(first.Tensors.Select(t => t.Name));
        // Built for every tensor now, so a weight that is negative for some tensor stops the merge before an export starts.
        var merges = new Dictionary<string, FisherWeighted>(StringComparer.Ordinal);
        foreach (var spec in first.Tensors.Where(t => t.IsMergeable))
            merges[spec.Name] = FisherWeighted.Create(ParameterResolution.Resolve(FisherWeighted.Method, spec.Name, spec.Shape,
                positions.For(spec.Name), names, names.Select(_ => spec.Name).ToList(), perModel, settings), fisherNames);

        ITensorPlan Merged(TensorSpec spec) =>
            new MethodPlan(null, [.. models.Select(m => m.PlanFor(spec.Name)), .. fishers.Select(f => f.PlanFor(spec.Name))], spec.Shape, merges[spec.Name]);

        string weightText = weights is null ? "1" : string.Join(", ", weights);
        string description = string.Create(CultureInfo.InvariantCulture,
            $"fisher(weights=[{weightText}], epsilon={epsilon}) of [{string.Join(", ", models.Select((m, i) => $"{m.Name} (F: {fishers[i].Name})"))}]");
        var inputs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var checkpoint in models.Concat(fishers)) inputs.UnionWith(checkpoint.InputPaths);
        return new CheckpointHandle("fisher", description, null, first.Tensors,
            spec => spec.IsMergeable ? Merged(spec) : first.PlanFor(spec.Name), first.Donor, inputs, first.ConfigChanges,
            summary: new MergeSummary("fisher", "Fisher merging", "https://arxiv.org/abs/2111.09832", null, models.Select(m => m.Name).ToList()));
    }

    /// <summary>
    /// A Fisher checkpoint has every floating-point tensor of its model, with the same shape, and
    /// nothing else. Tensors the merge carries through unchanged (integer buffers) have no
    /// gradient, so their Fisher may be absent.
    /// </summary>
    private static void RequireFisherOf(CheckpointHandle model, CheckpointHandle fisher)
    {
        foreach (var tensor in model.Tensors.Where(t => t.IsMergeable))
        {
            var match = fisher.FindTensor(tensor.Name)
                ?? throw new PlanException(Compatibility.TensorSetMismatch,
                    $"the Fisher checkpoint '{fisher.Name}' has no tensor '{tensor.Name}', which its model '{model.Name}' has; a Fisher has its model's tensor names and shapes.", tensor.Name);
            if (!ShapeMath.SameShape(tensor.Shape, match.Shape))
                throw new PlanException(Compatibility.TensorShapeMismatch,
                    $"tensor '{tensor.Name}' is {tensor.ShapeText} in '{model.Name}' but {match.ShapeText} in its Fisher checkpoint '{fisher.Name}'.", tensor.Name);
            if (!match.IsMergeable)
                throw new PlanException(FisherWeighted.InvalidFisher,
                    $"tensor '{tensor.Name}' of the Fisher checkpoint '{fisher.Name}' is {match.DType.ToHeaderName()}; Fisher values are floating point.", tensor.Name);
        }
        foreach (var tensor in fisher.Tensors)
            if (model.FindTensor(tensor.Name) is null)
                throw new PlanException(Compatibility.TensorSetMismatch,
                    $"the Fisher checkpoint '{fisher.Name}' has a tensor '{tensor.Name}' that its model '{model.Name}' lacks; is it the Fisher of another architecture?", tensor.Name);
    }
}
