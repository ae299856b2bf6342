namespace ModelMerge.Formats.Recipes;

/// <summary>
/// What one reading of a recipe shares: the name errors are reported under, whether unknown
/// keys are errors (strict, §11 decision 9) or warnings, the warnings so far, and the node
/// budget that stops alias amplification (<see cref="RecipeLimits.MaxNodes"/>).
/// </summary>
internal sealed class RecipeContext(string sourceName, bool strict)
{
    private readonly List<RecipeWarning> _warnings = [];
    private int _nodesVisited;

    public string SourceName { get; } = sourceName;

    public bool Strict { get; } = strict;

    public IReadOnlyList<RecipeWarning> Warnings => _warnings;

    public RecipeException Error(string errorId, RecipeLocation? location, string reason) =>
        new(errorId, SourceName, location, reason);

    public void Warn(string id, RecipeLocation location, string message) => _warnings.Add(new RecipeWarning(id, message, location));

    /// <summary>Counts one node read; past the budget the recipe is refused.</summary>
    public void Visit(RecipeLocation location)
    {
        if (++_nodesVisited > RecipeLimits.MaxNodes)
            throw Error(RecipeErrors.TooLarge, location,
                $"the recipe expands to more than {RecipeLimits.MaxNodes} values; aliases (*name) repeat what they name, and this many cannot be a real recipe");
    }
}
