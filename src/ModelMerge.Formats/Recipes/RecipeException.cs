namespace ModelMerge.Formats.Recipes;

/// <summary>
/// A recipe that cannot be read. <see cref="ErrorId"/> is one of <see cref="RecipeErrors"/> and
/// stable; the message reads <c>source:line:column: key.path: why</c>. This is the only
/// exception the recipe reader lets out, whatever the input.
/// </summary>
public sealed class RecipeException : Exception
{
    public RecipeException(string errorId, string sourceName, RecipeLocation? location, string reason, Exception? inner = null)
        : base(Compose(sourceName, location, reason), inner)
    {
        ErrorId = errorId;
        SourceName = sourceName;
        Location = location;
        Reason = reason;
    }

    public string ErrorId { get; }

    /// <summary>The file the recipe came from, or the name the caller gave the text.</summary>
    public string SourceName { get; }

    /// <summary>Where the fault is; null when it concerns the input as a whole (too large, unreadable).</summary>
    public RecipeLocation? Location { get; }

    /// <summary>The message without its position prefix.</summary>
    public string Reason { get; }

    private static string Compose(string sourceName, RecipeLocation? location, string reason) => location switch
    {
        null => $"{sourceName}: {reason}",
        { Path.Length: 0 } => $"{sourceName}:{location.Line}:{location.Column}: {reason}",
        _ => $"{sourceName}:{location.Line}:{location.Column}: {location.Path}: {reason}",
    };
}
