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
    /// Most nodes a recipe may hold as written, and most the reader visits. An alias repeats
    /// the node it names, so a short text can stand for an exponential tree ("billion laughs");
    /// counting visits cuts that off. Counting the nodes as the YAML parser produces them bounds
    /// what the parser itself builds: a mebibyte of short keys is a quarter of a million nodes,
    /// each of which YamlDotNet keeps with its positions, at some 800 bytes a node all told.
    /// The largest real recipes (a slice per layer, a gradient per parameter) hold a few thousand.
    /// </summary>
    public const int MaxNodes = 50_000;

    /// <summary>
    /// Most warnings one reading lists. A recipe with thousands of unknown keys gets the first
    /// hundred and a last one saying how many more there were: listing them all would cost
    /// memory in proportion to a stranger's text, and nobody reads past the first screen.
    /// </summary>
    public const int MaxWarnings = 100;
}
