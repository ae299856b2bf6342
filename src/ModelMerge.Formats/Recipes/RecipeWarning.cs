namespace ModelMerge.Formats.Recipes;

/// <summary>
/// Something in a recipe that is read but ignored: an unknown key (mergekit ignores it
/// silently; ModelMerge says so, §11 decision 9) or <c>residual_weight</c> (§7.4).
/// <see cref="Id"/> is one of <see cref="RecipeErrors"/>.
/// </summary>
public sealed record RecipeWarning(string Id, string Message, RecipeLocation Location)
{
    public override string ToString() => $"{Location}: {Message}";
}
