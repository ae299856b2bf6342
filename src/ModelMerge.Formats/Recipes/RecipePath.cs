namespace ModelMerge.Formats.Recipes;

/// <summary>
/// Spells key paths the way users write recipes: <c>slices[1].sources[0].layer_range</c>;
/// a key that is not a plain name (a token such as <c>&lt;|im_end|&gt;</c>) is bracketed and quoted.
/// A key past 60 characters is cut as messages cut values (<see cref="YamlScalar.Shorten"/>):
/// every node under it carries the path, so a stranger's megabyte-long key would otherwise be
/// copied into each of the thousands of nodes a wide mapping under it holds.
/// </summary>
internal static class RecipePath
{
    public static string Key(string parent, string key)
    {
        key = YamlScalar.Shorten(key);
        if (!IsPlainName(key)) return $"{parent}['{key.Replace("'", "''", StringComparison.Ordinal)}']";
        return parent.Length == 0 ? key : $"{parent}.{key}";
    }

    public static string Index(string parent, int index) => $"{parent}[{index}]";

    private static bool IsPlainName(string key)
    {
        if (key.Length == 0 || !(char.IsAsciiLetter(key[0]) || key[0] == '_')) return false;
        foreach (char c in key)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-')) return false;
        return true;
    }
}
