using YamlDotNet.RepresentationModel;

namespace ModelMerge.Formats.Recipes;

/// <summary>
/// A recipe mapping read by key. Keys outside the schema are reported once, when the mapping
/// is opened: a warning naming the nearest known key (a typo such as <c>paramters</c> would
/// otherwise drop a model's weights without a word), or an error in strict mode (§11,
/// decision 9). Absent keys and keys whose value is YAML null read the same, as in mergekit's
/// optional fields.
/// </summary>
internal sealed class RecipeMapping
{
    private readonly RecipeNode _node;
    private readonly string _what;
    private readonly List<(string Key, RecipeLocation KeyLocation, RecipeNode Value)> _entries = [];

    public RecipeMapping(RecipeNode node, YamlMappingNode mapping, string what, string[]? knownKeys)
    {
        _node = node;
        _what = what;
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            // The event guard lets only scalar keys through.
            string key = ((YamlScalarNode)keyNode).Value ?? "";
            string path = RecipePath.Key(node.Path, key);
            var keyLocation = new RecipeLocation(checked((int)keyNode.Start.Line), checked((int)keyNode.Start.Column), path);
            // An unknown key is reported and dropped: nothing reads its value.
            if (knownKeys is not null && !knownKeys.Contains(key, StringComparer.Ordinal)) ReportUnknown(key, keyLocation, knownKeys);
            else _entries.Add((key, keyLocation, new RecipeNode(node.Context, valueNode, path)));
        }
    }

    public RecipeLocation Location => _node.Location;

    public IEnumerable<(string Key, RecipeLocation KeyLocation, RecipeNode Value)> Entries => _entries;

    public bool Has(string key) => Find(key) is { } entry && !entry.Value.IsNull;

    /// <summary>The value under <paramref name="key"/>; null when the key is absent or its value is null.</summary>
    public RecipeNode? Optional(string key) => Find(key) is { } entry && !entry.Value.IsNull ? entry.Value : null;

    public RecipeNode Required(string key, string errorId, string expected) =>
        Optional(key) ?? throw _node.Context.Error(errorId, Find(key)?.KeyLocation ?? _node.Location,
            Find(key) is null ? $"{_what} needs '{key}' ({expected})" : $"'{key}' has no value; expected {expected}");

    /// <summary>Where <paramref name="key"/> is written; errors about a key as a whole point here.</summary>
    public RecipeLocation KeyLocation(string key) => Find(key)?.KeyLocation ?? _node.Location;

    private (string Key, RecipeLocation KeyLocation, RecipeNode Value)? Find(string key)
    {
        foreach (var entry in _entries)
            if (entry.Key == key) return entry;
        return null;
    }

    private void ReportUnknown(string key, RecipeLocation at, string[] knownKeys)
    {
        if (!_node.Context.Strict && _node.Context.WarningsFull)
        {
            _node.Context.Warn(RecipeErrors.UnknownKey, at, $"unknown key '{YamlScalar.Shorten(key)}' in {_what} is ignored");
            return;
        }
        string hint = Nearest(key, knownKeys) is { } near ? $" (did you mean '{near}'?)" : "";
        string shown = YamlScalar.Shorten(key);
        if (_node.Context.Strict)
            throw _node.Context.Error(RecipeErrors.UnknownKey, at, $"unknown key '{shown}' in {_what}{hint}; strict reading refuses keys the recipe schema does not have");
        _node.Context.Warn(RecipeErrors.UnknownKey, at, $"unknown key '{shown}' in {_what} is ignored{hint}");
    }

    /// <summary>The known key within two edits of <paramref name="key"/>, if one is.</summary>
    private static string? Nearest(string key, string[] knownKeys)
    {
        if (key.Length > 64) return null;
        string? best = null;
        int bestDistance = 3;
        foreach (var known in knownKeys)
        {
            int distance = EditDistance(key, known);
            if (distance < bestDistance) (best, bestDistance) = (known, distance);
        }
        return best;
    }

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
