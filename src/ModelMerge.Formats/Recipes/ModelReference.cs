namespace ModelMerge.Formats.Recipes;

/// <summary>
/// A model a recipe names (merge-semantics §8.1): a local folder or a hub id, optionally at a
/// revision, optionally with a PEFT LoRA adapter merged in first (§9.3). Written either as
/// <c>path[@revision][+lora[@revision]]</c> or as the mapping
/// <c>{model: {path, revision}, lora: {path, revision}, override_architecture}</c>.
/// </summary>
/// <remarks>
/// Two references are equal when they name the same thing; <see cref="Location"/> takes no
/// part in it. The plan layer relies on this to find a slice source's parameters by model
/// (§1.3, level 1), as mergekit compares its frozen references.
/// </remarks>
public sealed record ModelReference(
    string Path,
    string? Revision = null,
    string? LoraPath = null,
    string? LoraRevision = null,
    string? OverrideArchitecture = null)
{
    /// <summary>Where the reference is written; null for references built in code.</summary>
    public RecipeLocation? Location { get; init; }

    public bool HasLora => LoraPath is not null;

    /// <summary>Reads the string form <c>path[@revision][+lora[@revision]]</c>.</summary>
    /// <exception cref="FormatException">More than one <c>+</c>, more than one <c>@</c> in a part, or an empty path or revision.</exception>
    public static ModelReference Parse(string text) =>
        TryParse(text, out var reference, out var reason) ? reference : throw new FormatException(reason);

    /// <summary>
    /// Reads the string form; on failure <paramref name="reason"/> says why. mergekit splits on
    /// <c>+</c> and then on <c>@</c> exactly like this; it lets an empty part through, which
    /// only fails later as a missing folder, so here an empty path or revision is refused.
    /// </summary>
    public static bool TryParse(string text, out ModelReference reference, out string reason)
    {
        reference = null!;
        var parts = text.Split('+');
        if (parts.Length > 2)
        {
            reason = $"'{text}' has {parts.Length - 1} '+'; a reference is path[@revision][+lora[@revision]] with at most one '+'";
            return false;
        }
        if (!TryParsePart(text, parts[0], "model", out var path, out var revision, out reason)) return false;
        string? loraPath = null, loraRevision = null;
        if (parts.Length == 2 && !TryParsePart(text, parts[1], "LoRA", out loraPath, out loraRevision, out reason)) return false;
        reference = new ModelReference(path, revision, loraPath, loraRevision);
        reason = "";
        return true;
    }

    /// <summary>Reads one <c>path[@revision]</c> part, as the mapping form's string shorthand allows too.</summary>
    internal static bool TryParsePart(string text, string part, string what, out string path, out string? revision, out string reason)
    {
        path = "";
        revision = null;
        var pieces = part.Split('@');
        if (pieces.Length > 2)
        {
            reason = $"'{text}': the {what} part '{part}' has {pieces.Length - 1} '@'; at most one revision may follow the path";
            return false;
        }
        if (pieces[0].Trim().Length == 0)
        {
            reason = $"'{text}': the {what} path is empty";
            return false;
        }
        if (pieces.Length == 2 && pieces[1].Trim().Length == 0)
        {
            reason = $"'{text}': the {what} revision after '@' is empty";
            return false;
        }
        path = pieces[0];
        revision = pieces.Length == 2 ? pieces[1] : null;
        reason = "";
        return true;
    }

    public bool Equals(ModelReference? other) =>
        other is not null
        && string.Equals(Path, other.Path, StringComparison.Ordinal)
        && string.Equals(Revision, other.Revision, StringComparison.Ordinal)
        && string.Equals(LoraPath, other.LoraPath, StringComparison.Ordinal)
        && string.Equals(LoraRevision, other.LoraRevision, StringComparison.Ordinal)
        && string.Equals(OverrideArchitecture, other.OverrideArchitecture, StringComparison.Ordinal);

    public override int GetHashCode() => HashCode.Combine(Path, Revision, LoraPath, LoraRevision, OverrideArchitecture);

    /// <summary>The string form; <see cref="OverrideArchitecture"/> has none and is left out.</summary>
    public override string ToString()
    {
        var text = Revision is null ? Path : $"{Path}@{Revision}";
        if (LoraPath is not null) text += LoraRevision is null ? $"+{LoraPath}" : $"+{LoraPath}@{LoraRevision}";
        return text;
    }
}
