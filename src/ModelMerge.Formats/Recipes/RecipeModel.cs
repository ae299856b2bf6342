namespace ModelMerge.Formats.Recipes;

/// <summary>
/// One entry of <c>models:</c>: an input model and its own parameters, the first level of
/// parameter lookup (merge-semantics §1.3).
/// </summary>
public sealed record RecipeModel(ModelReference Model, RecipeMap<RecipeValue> Parameters);
