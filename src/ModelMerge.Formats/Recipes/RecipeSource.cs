namespace ModelMerge.Formats.Recipes;

/// <summary>
/// One input of an output slice (merge-semantics §7.4): layers
/// [<see cref="LayerStart"/>, <see cref="LayerEnd"/>) of <see cref="Model"/>, with per-model
/// parameters for this slice (§1.3, level 1).
/// </summary>
public sealed record RecipeSource(ModelReference Model, int LayerStart, int LayerEnd, RecipeMap<RecipeValue> Parameters)
{
    public int LayerCount => LayerEnd - LayerStart;
}
