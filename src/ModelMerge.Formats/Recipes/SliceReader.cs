namespace ModelMerge.Formats.Recipes;

/// <summary>
/// Reads <c>slices:</c> (merge-semantics §7.4): each output slice's sources with their
/// <c>[start, end)</c> layer ranges, all of one length within a slice; a per-slice base model
/// and parameters; <c>residual_weight</c> kept but flagged, since nothing uses it.
/// </summary>
internal static class SliceReader
{
    public static RecipeList<RecipeSlice> Read(RecipeNode node) =>
        new(node.Sequence(RecipeErrors.Schema, "a list of output slices").Select(ReadSlice));

    private static RecipeSlice ReadSlice(RecipeNode node)
    {
        var mapping = node.Mapping(RecipeErrors.Schema, "an output slice", "sources", "base_model", "parameters", "residual_weight");
        var sources = mapping.Required("sources", RecipeErrors.Schema, "a list of sources")
            .Sequence(RecipeErrors.Schema, "a list of sources (model and layer_range)")
            .Select(ReadSource)
            .ToList();

        var first = sources[0];
        foreach (var (source, rangeLocation) in sources.Skip(1))
            if (source.LayerCount != first.Source.LayerCount)
                throw node.Context.Error(RecipeErrors.LayerRange, rangeLocation,
                    $"[{source.LayerStart}, {source.LayerEnd}) spans {source.LayerCount} layers but the slice's first source spans {first.Source.LayerCount} " +
                    $"([{first.Source.LayerStart}, {first.Source.LayerEnd})); all sources of a slice must span the same number of layers");

        double? residualWeight = null;
        if (mapping.Optional("residual_weight") is { } residual)
        {
            residualWeight = residual.Number(RecipeErrors.Schema, "residual_weight (a number)");
            node.Context.Warn(RecipeErrors.UnusedKey, mapping.KeyLocation("residual_weight"),
                "residual_weight is accepted for compatibility but has no effect (mergekit does not use it either)");
        }

        return new RecipeSlice(
            new RecipeList<RecipeSource>(sources.Select(s => s.Source)),
            ModelReferenceReader.ReadOptional(mapping.Optional("base_model")),
            RecipeValueReader.ReadParameters(mapping.Optional("parameters")),
            residualWeight);
    }

    private static (RecipeSource Source, RecipeLocation RangeLocation) ReadSource(RecipeNode node)
    {
        var mapping = node.Mapping(RecipeErrors.Schema, "a slice source", "model", "layer_range", "parameters");
        var model = ModelReferenceReader.Read(mapping.Required("model", RecipeErrors.ModelReference, "a model reference"));
        var rangeNode = mapping.Required("layer_range", RecipeErrors.LayerRange, "[start, end]");
        var (start, end) = ReadLayerRange(rangeNode);
        var parameters = RecipeValueReader.ReadParameters(mapping.Optional("parameters"));
        return (new RecipeSource(model, start, end, parameters), rangeNode.Location);
    }

    /// <summary>
    /// <c>[start, end]</c> with end exclusive. mergekit takes any two ints; an empty or reversed
    /// range would silently contribute nothing, so it is refused here.
    /// </summary>
    private static (int Start, int End) ReadLayerRange(RecipeNode node)
    {
        if (!node.IsSequence) throw node.Error(RecipeErrors.LayerRange, $"expected [start, end], found {node.Describe()}");
        var bounds = node.Sequence(RecipeErrors.LayerRange, "[start, end]", allowEmpty: true);
        if (bounds.Count != 2) throw node.Error(RecipeErrors.LayerRange, $"expected two numbers [start, end], found {bounds.Count}");
        int start = bounds[0].Integer(RecipeErrors.LayerRange, "a layer index", minimum: 0);
        int end = bounds[1].Integer(RecipeErrors.LayerRange, "a layer index", minimum: 0);
        if (end <= start) throw node.Error(RecipeErrors.LayerRange, $"[{start}, {end}) is empty; end is exclusive and must be greater than start");
        return (start, end);
    }
}
