namespace ModelMerge.Formats.Recipes;

/// <summary>
/// Where something stands in a recipe: 1-based line and column, and the key path from the
/// top (<c>slices[1].sources[0].layer_range</c>) so that a message can be acted on without
/// counting lines.
/// </summary>
public sealed record RecipeLocation(int Line, int Column, string Path)
{
    /// <summary>The start of the text, for what concerns the recipe as a whole.</summary>
    public static RecipeLocation Start { get; } = new(1, 1, "");

    public override string ToString() => Path.Length == 0 ? $"{Line}:{Column}" : $"{Line}:{Column} {Path}";
}
