using ModelMerge.Formats;
using ModelMerge.Methods.Framework;

namespace ModelMerge.Plans.Handles;

/// <summary>
/// Which tensor each input of a merge supplies for each output tensor, and the output's shape
/// (merge-semantics §1.4, §7.2). The output has the donor's tensors, plus an output head some
/// model stores while the donor ties it. An input that ties its head supplies its input
/// embedding instead. Embeddings whose vocabularies differ are cut to rows they share, as the
/// method's rule says; any other difference is an error naming the tensor and the models.
/// </summary>
internal sealed class TensorAlignment
{
    /// <summary>One input as the alignment sees it: its name, its tensors by name, whether it is the base.</summary>
    public sealed record Input(string Name, Func<string, TensorSpec?> Find, IEnumerable<string> TensorNames, bool IsBase);

    public const string EmbeddingTooSmall = "EmbeddingTooSmall";

    private readonly Dictionary<string, string[]> _sources;

    private TensorAlignment(IReadOnlyList<TensorSpec> outputs, Dictionary<string, string[]> sources, long? vocabulary)
    {
        Outputs = outputs;
        _sources = sources;
        VocabularyRows = vocabulary;
    }

    public IReadOnlyList<TensorSpec> Outputs { get; }

    /// <summary>The embedding rows written when they differ from the donor's: the config's new vocab_size.</summary>
    public long? VocabularyRows { get; }

    /// <summary>The name input <paramref name="input"/> (the base is input 0 when there is one) has for output tensor <paramref name="output"/>.</summary>
    public string SourceName(int input, string output) => _sources.TryGetValue(output, out var names) ? names[input] : output;

    /// <param name="inputs">The base first (when there is one), then the models, each with its display name and tensor lookup.</param>
    /// <param name="rule">What differing vocabularies do; <paramref name="methodName"/> names the method in errors.</param>
    public static TensorAlignment Build(VocabularyRule rule, string methodName, CheckpointHandle donor, IReadOnlyList<Input> inputs,
        Action<string>? warn)
    {
        var specs = donor.Tensors.ToList();
        if (donor.FindTensor(TensorRoles.OutputHead) is null)
            foreach (var input in inputs)
                if (input.Find(TensorRoles.OutputHead) is TensorSpec head)
                {
                    specs.Add(head);
                    break;
                }
        var known = specs.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var input in inputs)
            foreach (var name in input.TensorNames.Where(n => !known.Contains(n)))
                throw new PlanException(Compatibility.TensorSetMismatch,
                    $"'{input.Name}' has a tensor '{name}' that '{donor.Name}' lacks; the models are not the same architecture.", name);

        var outputs = new List<TensorSpec>(specs.Count);
        var sources = new Dictionary<string, string[]>(StringComparer.Ordinal);
        long? vocabulary = null;
        foreach (var spec in specs)
        {
            RequireCompatibleTypes(spec, donor.Name, inputs);
            if (!spec.IsMergeable)
            {
                outputs.Add(spec);
                continue;
            }
            var names = new string[inputs.Count];
            var shapes = new TensorSpec[inputs.Count];
            for (int i = 0; i < inputs.Count; i++)
            {
                string model = inputs[i].Name;
                var find = inputs[i].Find;
                var own = find(spec.Name);
                names[i] = own is not null ? spec.Name
                    : TensorRoles.TiedEmbedding(spec.Name, n => find(n) is not null)
                      ?? throw new PlanException(Compatibility.TensorSetMismatch,
                          $"'{model}' has no tensor '{spec.Name}', which '{donor.Name}' has; the models are not the same architecture.", spec.Name);
                shapes[i] = own ?? find(names[i])!;
            }
            if (names.Any(n => n != spec.Name)) sources[spec.Name] = names;
            var shape = Shape(rule, methodName, spec, shapes, inputs, warn);
            if (!ShapeMath.SameShape(shape, spec.Shape) && spec.Shape.Length == 2) vocabulary = shape[0];
            outputs.Add(spec with { Shape = shape });
        }
        return new TensorAlignment(outputs, sources, vocabulary);
    }

    /// <summary>
    /// Floating-point types mix freely (each is widened to float32 as it is read); anything else
    /// must be the same type in every model. An integer tensor beside a float one would otherwise
    /// be carried from the donor while the other models' values were dropped, or widened as a float.
    /// </summary>
    private static void RequireCompatibleTypes(TensorSpec spec, string donorName, IReadOnlyList<Input> inputs)
    {
        foreach (var input in inputs)
        {
            var own = input.Find(spec.Name) ?? (TensorRoles.TiedEmbedding(spec.Name, n => input.Find(n) is not null) is string tied ? input.Find(tied) : null);
            if (own is null || own.DType == spec.DType || (own.DType.IsMergeable() && spec.DType.IsMergeable())) continue;
            throw new PlanException(Compatibility.TensorDTypeMismatch,
                $"tensor '{spec.Name}' is {spec.DType.ToHeaderName()} in '{donorName}' but {own.DType.ToHeaderName()} in '{input.Name}'; floating-point "
                + "types may differ between models (each is widened to float32), but an integer or boolean tensor must have one type in every model. "
                + "Merge models of one architecture, or convert the tensor in one of them.", spec.Name);
        }
    }

    private static long[] Shape(VocabularyRule rule, string methodName, TensorSpec spec, TensorSpec[] shapes, IReadOnlyList<Input> inputs,
        Action<string>? warn)
    {
        // The donor's own spec is among the shapes whenever the donor is an input, so agreeing shapes are its shape.
        if (shapes.All(s => ShapeMath.SameShape(s.Shape, spec.Shape))) return spec.Shape;
        bool rowsOnly = TensorRoles.IsEmbedding(spec.Name) && shapes.Length > 0
            && shapes.All(s => s.Shape.Length == 2 && s.Shape[1] == shapes[0].Shape[1]);
        if (!rowsOnly || rule == VocabularyRule.Exact) return Mismatch(spec, shapes, inputs);
        long rows;
        if (rule == VocabularyRule.BaseRows)
        {
            rows = shapes[inputs.ToList().FindIndex(input => input.IsBase)].Shape[0];
            for (int i = 0; i < shapes.Length; i++)
                if (shapes[i].Shape[0] < rows)
                    throw new PlanException(EmbeddingTooSmall,
                        $"'{inputs[i].Name}' has {shapes[i].Shape[0]} rows of '{spec.Name}', fewer than the base's {rows}; {methodName} cuts each model to the base's vocabulary and cannot grow one.", spec.Name);
        }
        else rows = shapes.Min(s => s.Shape[0]);
        warn?.Invoke($"'{spec.Name}' has {string.Join(", ", shapes.Select((s, i) => $"{s.Shape[0]} rows in {inputs[i].Name}"))}; merging the first {rows} rows (merge-semantics §7.2).");
        return [rows, shapes[0].Shape[1]];
    }

    private static long[] Mismatch(TensorSpec spec, TensorSpec[] shapes, IReadOnlyList<Input> inputs) =>
        throw new PlanException(Compatibility.TensorShapeMismatch,
            $"tensor '{spec.Name}' has different shapes: {string.Join(", ", shapes.Select((s, i) => $"{s.ShapeText} in '{inputs[i].Name}'"))}.", spec.Name);
}
