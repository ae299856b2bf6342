namespace ModelMerge.Formats.Recipes;

/// <summary>
/// What one reading of a recipe shares: the name errors are reported under, whether unknown
/// keys are errors (strict, §11 decision 9) or warnings, the warnings so far (at most
/// <see cref="RecipeLimits.MaxWarnings"/> listed), and the node budget that stops alias
/// amplification (<see cref="RecipeLimits.MaxNodes"/>).
/// </summary>
internal sealed class RecipeContext(string sourceName, bool strict)
{
    private readonly List<RecipeWarning> _warnings = [];
    private int _nodesVisited;
    private int _unlisted;
    private RecipeWarning? _firstUnlisted;

    public string SourceName { get; } = sourceName;

    public bool Strict { get; } = strict;

    /// <summary>The warnings listed, and after them, when there were more, one that says how many.</summary>
    public IReadOnlyList<RecipeWarning> Warnings => _firstUnlisted is null
        ? _warnings
        : [.. _warnings, _firstUnlisted with { Message = $"{_unlisted} more warnings, starting with this one ({_firstUnlisted.Message}), are not listed" }];

    /// <summary>True once a further warning would only be counted; callers can skip composing its message.</summary>
    public bool WarningsFull => _warnings.Count >= RecipeLimits.MaxWarnings;

    public RecipeException Error(string errorId, RecipeLocation? location, string reason) =>
        new(errorId, SourceName, location, reason);

    public void Warn(string id, RecipeLocation location, string message)
    {
        if (!WarningsFull) _warnings.Add(new RecipeWarning(id, message, location));
        else if (_unlisted++ == 0) _firstUnlisted = new RecipeWarning(id, message, location);
    }

    /// <summary>Counts one node read; past the budget the recipe is refused.</summary>
    public void Visit(RecipeLocation location)
    {
        if (++_nodesVisited > RecipeLimits.MaxNodes)
            throw Error(RecipeErrors.TooLarge, location,
                $"the recipe expands to more than {RecipeLimits.MaxNodes} values; aliases (*name) repeat what they name, and this many cannot be a real recipe");
    }
}
