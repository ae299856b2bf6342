namespace ModelMerge.Formats.Recipes;

/// <summary>
/// Bounds on what a recipe may be. Recipes are shared as text by strangers, so the reader
/// refuses input that is big, deep or alias-amplified before it can cost memory or time;
/// real recipes are a few kilobytes and a handful of levels deep.
/// </summary>
public static class RecipeLimits
{
    /// <summary>Longest accepted recipe, in characters of text (or bytes of a file): 1 MiB.</summary>
    public const int MaxTextLength = 1 << 20;

    /// <summary>Deepest nesting of mappings and lists. The schema itself needs about eight.</summary>
    public const int MaxDepth = 64;

    /// <summary>
    /// Most nodes the reader visits. An alias repeats the node it names, so a short text can
    /// stand for an exponential tree ("billion laughs"); counting visits cuts that off.
    /// </summary>
    public const int MaxNodes = 100_000;
}
