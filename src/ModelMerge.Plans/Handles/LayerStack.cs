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
/// num_hidden_layers set to the total (text_config's, where the config nests the language model's).
/// In a model with several stacks of layers (a LLaVA vision tower beside its language model) only
/// the language model's layers are stacked; the other towers and the projector between them come
/// unchanged from the first slice's model.
/// </summary>
public static class LayerStack
{
    public const string LayerRangeInvalid = "LayerRangeInvalid";
    public const string LayerStackAmbiguous = "LayerStackAmbiguous";

    private const string TextLayerCount = "text_config.num_hidden_layers";
    private const string LayerCount = "num_hidden_layers";

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

        var first = slices[0].Model;
        string stack = StackPrefix(first);
        bool severalTowers = first.Tensors.Any(t => TensorOrder.LayerPrefix(t.Name) is string prefix && prefix != stack);
        bool Stacked(TensorSpec t) => TensorOrder.LayerPrefix(t.Name) == stack;
        // With one stack, everything after the layers is the language model's; beside other towers, only what sits under it or is its head.
        bool Tail(TensorSpec t) => !Stacked(t) && Section(t) > 0
            && (!severalTowers || t.Name.StartsWith(stack + ".", StringComparison.Ordinal) || t.Name.EndsWith(TensorRoles.OutputHead, StringComparison.Ordinal));
        var carried = first.Tensors.Where(t => !Stacked(t) && !Tail(t)).ToList();

        foreach (var spec in carried.Where(t => Section(t) < 0)) Add(spec, () => first.PlanFor(spec.Name));
        int output = 0;
        foreach (var slice in slices)
        {
            var layers = LayerTensors(slice, stack);
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
        foreach (var spec in carried.Where(t => Section(t) >= 0)) Add(spec, () => first.PlanFor(spec.Name));
        foreach (var spec in slices[^1].Model.Tensors.Where(Tail)) Add(spec, () => slices[^1].Model.PlanFor(spec.Name));

        var inputs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var slice in slices) inputs.UnionWith(slice.Model.InputPaths);
        string description = $"passthrough stack of {output} layers: {string.Join(" + ", slices)}";
        return new CheckpointHandle("passthrough", description, null, tensors, spec => sources[spec.Name](), slices[0].Model.Donor, inputs,
            new Dictionary<string, long> { [LayerCountKey(first, severalTowers)] = output },
            name => sourceNames.TryGetValue(name, out var source) ? source : name,
            new MergeSummary("passthrough", "Passthrough", null, null, slices.Select(s => $"{s.Model.Name} layers [{s.Start}, {s.End})").ToList()));
    }

    /// <summary>
    /// The stack of layers a slice takes: the only one, or among several (a vision tower beside a
    /// language model) the language model's, told by its name. Anything else is refused: stacking
    /// the wrong tower would write a model whose config describes other layers than it has.
    /// </summary>
    private static string StackPrefix(CheckpointHandle model)
    {
        var prefixes = model.Tensors.Select(t => TensorOrder.LayerPrefix(t.Name)).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        if (prefixes.Count <= 1) return prefixes.FirstOrDefault() ?? "model";
        var language = prefixes.Where(p => p.Split('.').Any(part => part is "language_model" or "text_model")).ToList();
        if (language.Count == 1) return language[0];
        throw new PlanException(LayerStackAmbiguous,
            $"'{model.Name}' has several stacks of layers ({string.Join(", ", prefixes.Select(p => $"'{p}'"))}) and "
            + (language.Count == 0 ? "none is named as the language model's" : "more than one is named as a language model's")
            + " (language_model or text_model); a layer stack would not know which to restack.", model.Name);
    }

    /// <summary>
    /// The config key holding the stacked model's layer count: text_config's where the config nests
    /// the language model's settings (multimodal models), else the top-level one. Beside other
    /// towers, a config that has neither leaves the count ambiguous.
    /// </summary>
    private static string LayerCountKey(CheckpointHandle model, bool severalTowers)
    {
        string? path = model.Donor.Folder is string folder ? System.IO.Path.Combine(folder, Formats.Folders.ModelConfig.FileName) : null;
        var config = path is not null && File.Exists(path) ? Formats.Folders.ModelConfig.Read(path) : null;
        if (config?.Has(TextLayerCount) == true) return TextLayerCount;
        if (!severalTowers || config?.Has(LayerCount) == true) return LayerCount;
        throw new PlanException(LayerStackAmbiguous,
            $"'{model.Name}' has several stacks of layers, but its config.json has neither {TextLayerCount} nor {LayerCount}, so which count to set is unclear.",
            model.Name);
    }

    /// <summary>The model's tensors of stack <paramref name="stack"/> grouped by layer, after checking the slice's range lies inside the model.</summary>
    private static Dictionary<int, List<TensorSpec>> LayerTensors(LayerSlice slice, string stack)
    {
        var byLayer = slice.Model.Tensors.Where(t => TensorOrder.LayerPrefix(t.Name) == stack)
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
