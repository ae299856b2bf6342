namespace ModelMerge.Formats.Recipes;

/// <summary>
/// One output slice (merge-semantics §7.4): its sources all span <see cref="LayerCount"/>
/// layers (checked on reading), an optional base model that overrides the recipe's for this
/// slice, and parameters that are the second level of lookup (§1.3).
/// </summary>
/// <param name="ResidualWeight">In mergekit's schema but used by nothing; kept so it can be reported, with a warning on reading.</param>
public sealed record RecipeSlice(
    RecipeList<RecipeSource> Sources,
    ModelReference? BaseModel,
    RecipeMap<RecipeValue> Parameters,
    double? ResidualWeight = null)
{
    public int LayerCount => Sources[0].LayerCount;
}
