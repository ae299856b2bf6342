using ModelMerge.Methods.Framework;
using ModelMerge.Plans.Parameters;

namespace ModelMerge.Plans.Handles;

/// <summary>One source of an output slice: layers [Start, End) of a model, with the model's own settings for this slice.</summary>
public sealed record SliceSource(CheckpointHandle Model, int Start, int End, IReadOnlyDictionary<string, ParameterSetting>? Settings = null)
{
    public int LayerCount => End - Start;
}

/// <summary>One output slice of a recipe: its sources, merged layer by layer; a base and settings of its own override the recipe's.</summary>
public sealed record MergeSlice(IReadOnlyList<SliceSource> Sources)
{
    public CheckpointHandle? Base { get; init; }

    public IReadOnlyDictionary<string, ParameterSetting>? Settings { get; init; }
}

/// <summary>
/// A recipe with <c>slices:</c> (merge-semantics §7.4): each output slice merges its sources'
/// layer ranges with the recipe's method — layer k of the slice from layer start + k of every
/// source, gradients running over the slice's own layers — and the slices are stacked, the
/// embeddings merged in the first slice, the final norm and lm_head in the last.
/// </summary>
public static class SliceMerge
{
    public const string SliceLengthMismatch = "SliceLengthMismatch";
    public const string SliceBaseMissing = "SliceBaseMissing";

    /// <param name="recipe">The method, base, settings and options every slice shares; its inputs are ignored.</param>
    public static CheckpointHandle Build(MergeRequest recipe, IReadOnlyList<MergeSlice> slices, Action<string>? warn = null)
    {
        if (slices.Count == 0) throw new PlanException("NoInput", "a recipe with slices needs at least one slice.");
        var merged = slices.Select((slice, index) => MergeSliceLayers(recipe, slice, index, warn)).ToList();
        var stacked = LayerStack.Build(merged.Select(m => new LayerSlice(m.Handle, 0, m.Layers)).ToList());
        var method = recipe.Method;
        var baseName = (slices.Select(s => s.Base).FirstOrDefault(b => b is not null) ?? recipe.Base)?.Name;
        return stacked.WithSummary(new MergeSummary(method.Name, method.DisplayName, method.Reference, baseName,
            slices.SelectMany(s => s.Sources.Select(source => source.Model.Name)).Distinct().ToList()));
    }

    private static (CheckpointHandle Handle, int Layers) MergeSliceLayers(MergeRequest recipe, MergeSlice slice, int index, Action<string>? warn)
    {
        if (slice.Sources.Count == 0) throw new PlanException("NoInput", $"slice {index} has no sources.");
        int layers = slice.Sources[0].LayerCount;
        if (slice.Sources.Any(s => s.LayerCount != layers))
            throw new PlanException(SliceLengthMismatch,
                $"the sources of slice {index} span different numbers of layers ({string.Join(", ", slice.Sources.Select(s => $"{s.Model.Name} [{s.Start}, {s.End})"))}); every source of a slice must span the same number.");
        // Each source seen as a model of just its layers, renumbered from 0: then the slice is a plain merge.
        var views = slice.Sources.Select(s => (Source: s, View: LayerStack.Build([new LayerSlice(s.Model, s.Start, s.End)]))).ToList();

        var baseModel = slice.Base ?? recipe.Base;
        CheckpointHandle? baseView = null;
        var inputs = views;
        if (baseModel is not null)
        {
            var match = views.FirstOrDefault(v => Compatibility.SameCheckpoint(v.Source.Model, baseModel));
            if (match.View is null)
                throw new PlanException(SliceBaseMissing,
                    $"the base model '{baseModel.Name}' is not a source of slice {index}; list it with the layer range to use as the base.", baseModel.Name);
            baseView = match.View;
            // The base is the base, not one more model, unless the method takes it as one (linear, karcher).
            if (recipe.Method.BaseModel != BaseModelUse.Input) inputs = views.Where(v => !ReferenceEquals(v.View, baseView)).ToList();
        }

        var request = recipe with
        {
            Inputs = inputs.Select(v => MergeInput.Of(v.View, v.Source.Settings)).ToList(),
            Base = recipe.Method.BaseModel == BaseModelUse.None ? null : baseView,
            Settings = Layered(slice.Settings, recipe.Settings),
        };
        return (MethodMerge.Build(request, warn), layers);
    }

    /// <summary>The slice's settings first; where one of them matches no tensor, the recipe's.</summary>
    private static IReadOnlyDictionary<string, ParameterSetting> Layered(IReadOnlyDictionary<string, ParameterSetting>? slice,
        IReadOnlyDictionary<string, ParameterSetting> recipe)
    {
        var layered = new Dictionary<string, ParameterSetting>(recipe, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, setting) in slice ?? new Dictionary<string, ParameterSetting>())
            layered[name] = recipe.TryGetValue(name, out var fallback) ? ParameterSetting.FirstOf(setting, fallback) : setting;
        return layered;
    }
}
