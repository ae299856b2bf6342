using ModelMerge.Formats;
using ModelMerge.Plans.Graph;
using ModelMerge.Plans.Parameters;

namespace ModelMerge.Plans.Handles;

/// <summary>
/// One output slice of a layer stack: layers [Start, End) of <see cref="Model"/>, optionally
/// scaled (passthrough's per-model <c>scale</c>, evaluated on the model's own tensor names at
/// the layer's position inside the slice).
/// </summary>
public sealed record LayerSlice(CheckpointHandle Model, int Start, int End, ParameterSetting? Scale = null)
{
    public int LayerCount => End - Start;

    public override string ToString() => $"{Model.Name}[{Start}, {End})" + (Scale is null ? "" : $" scale {Scale}");
}

/// <summary>
/// A "frankenmerge" (merge-semantics §7.4, passthrough with slices): output layers numbered
/// consecutively across the slices, each tensor renamed to its output layer; embeddings from the
/// first slice's model, final norm and lm_head from the last one's; config.json's
/// num_hidden_layers set to the total.
/// </summary>
public static class LayerStack
{
    public const string LayerRangeInvalid = "LayerRangeInvalid";

    public static CheckpointHandle Build(IReadOnlyList<LayerSlice> slices)
    {
        if (slices.Count == 0) throw new PlanException("NoInput", "a layer stack needs at least one slice.");
        var tensors = new List<TensorSpec>();
        var sources = new Dictionary<string, Func<ITensorPlan>>(StringComparer.Ordinal);
        var sourceNames = new Dictionary<string, string>(StringComparer.Ordinal);
        void Add(TensorSpec spec, Func<ITensorPlan> plan)
        {
            tensors.Add(spec);
            sources[spec.Name] = plan;
        }

        foreach (var spec in slices[0].Model.Tensors.Where(t => Section(t) < 0)) Add(spec, () => slices[0].Model.PlanFor(spec.Name));
        int output = 0;
        foreach (var slice in slices)
        {
            var layers = LayerTensors(slice);
            var positions = new LayerPositions(slice.LayerCount);
            for (int k = 0; k < slice.LayerCount; k++, output++)
                foreach (var spec in layers[slice.Start + k])
                {
                    string inputName = spec.Name;
                    double position = positions.For(TensorOrder.WithLayerIndex(inputName, k));
                    string outputName = TensorOrder.WithLayerIndex(inputName, output);
                    sourceNames[outputName] = slice.Model.SourceNameOf(inputName);
                    Add(spec with { Name = outputName }, () => Scaled(slice, spec, inputName, position));
                }
        }
        foreach (var spec in slices[^1].Model.Tensors.Where(t => Section(t) > 0)) Add(spec, () => slices[^1].Model.PlanFor(spec.Name));

        var inputs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var slice in slices) inputs.UnionWith(slice.Model.InputPaths);
        string description = $"passthrough stack of {output} layers: {string.Join(" + ", slices)}";
        return new CheckpointHandle("passthrough", description, null, tensors, spec => sources[spec.Name](), slices[0].Model.Donor, inputs,
            new Dictionary<string, long> { ["num_hidden_layers"] = output },
            name => sourceNames.TryGetValue(name, out var source) ? source : name,
            new MergeSummary("passthrough", "Passthrough", null, null, slices.Select(s => $"{s.Model.Name} layers [{s.Start}, {s.End})").ToList()));
    }

    /// <summary>The model's tensors grouped by layer, after checking the slice's range lies inside the model.</summary>
    private static Dictionary<int, List<TensorSpec>> LayerTensors(LayerSlice slice)
    {
        var byLayer = slice.Model.Tensors.Where(t => TensorOrder.LayerIndex(t.Name) is not null)
            .GroupBy(t => TensorOrder.LayerIndex(t.Name)!.Value).ToDictionary(g => g.Key, g => g.ToList());
        int layers = byLayer.Count == 0 ? 0 : byLayer.Keys.Max() + 1;
        if (slice.Start < 0 || slice.End <= slice.Start || slice.End > layers)
            throw new PlanException(LayerRangeInvalid,
                $"layer range [{slice.Start}, {slice.End}) of '{slice.Model.Name}' is not inside its {layers} layers (0 to {layers}; the end is exclusive and after the start).",
                slice.Model.Name);
        for (int layer = slice.Start; layer < slice.End; layer++)
            if (!byLayer.ContainsKey(layer))
                throw new PlanException(LayerRangeInvalid, $"'{slice.Model.Name}' has no tensors for layer {layer}.", slice.Model.Name);
        return byLayer;
    }

    private static ITensorPlan Scaled(LayerSlice slice, TensorSpec spec, string inputName, double position)
    {
        var plan = slice.Model.PlanFor(inputName);
        if (slice.Scale is null || !spec.IsMergeable) return plan;
        double scale = slice.Scale.Resolve(inputName, position) ?? 1.0;
        // An unscaled tensor keeps its stored bytes; a scaled one is rounded once from float64.
        return scale == 1.0 ? plan : new WeightedSumPlan(null, [plan], [scale], 1.0, 1.0);
    }

    /// <summary>−1 before the layers (embeddings), 0 inside them, +1 after (final norm, lm_head), as tensor files order them.</summary>
    private static int Section(TensorSpec tensor)
    {
        if (TensorOrder.LayerIndex(tensor.Name) is not null) return 0;
        return TensorOrder.Compare(tensor.Name, "model.layers.0.") < 0 ? -1 : 1;
    }
}
