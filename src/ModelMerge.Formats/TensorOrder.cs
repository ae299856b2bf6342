using System.Text.RegularExpressions;

namespace ModelMerge.Formats;

/// <summary>
/// The order tensors are written in: what comes before the repeated blocks (embeddings), then
/// each block by its numeric index (so layer 10 follows layer 9, not layer 1), then the rest
/// (final norm, lm_head). Deterministic output files depend on it.
/// </summary>
public static partial class TensorOrder
{
    [GeneratedRegex(@"\.(?:layers|h|blocks|layer)\.(\d+)\.")]
    private static partial Regex LayerPattern();

    /// <summary>The repeated-block index in a tensor name, or null for tensors outside the blocks.</summary>
    public static int? LayerIndex(string name)
    {
        var match = LayerPattern().Match(name);
        return match.Success && int.TryParse(match.Groups[1].ValueSpan, out int layer) ? layer : null;
    }

    /// <summary>
    /// What a block tensor's name says before its block index — "model" in <c>model.layers.3.mlp</c>,
    /// "vision_tower.vision_model.encoder" in a LLaVA vision tower — or null outside the blocks: which stack of blocks it belongs to.
    /// </summary>
    public static string? LayerPrefix(string name)
    {
        var match = LayerPattern().Match(name);
        return match.Success ? name[..match.Index] : null;
    }

    /// <summary>The name with its block index replaced: layer 20 of one model written as layer 30 of a stack.</summary>
    public static string WithLayerIndex(string name, int layer)
    {
        var match = LayerPattern().Match(name);
        if (!match.Success) throw new ArgumentException($"tensor '{name}' is not inside a repeated block.", nameof(name));
        var index = match.Groups[1];
        return string.Concat(name.AsSpan(0, index.Index), layer.ToString(System.Globalization.CultureInfo.InvariantCulture), name.AsSpan(index.Index + index.Length));
    }

    /// <summary>
    /// <paramref name="items"/> in write order by their names. Each name's key is found once, not
    /// once per comparison: a 70B checkpoint has 723 tensors, and matching the block pattern inside
    /// a sort's comparer took most of the time opening one took.
    /// </summary>
    public static List<T> Order<T>(IEnumerable<T> items, Func<T, string> nameOf)
    {
        var keyed = items.Select(item =>
        {
            string name = nameOf(item);
            var (section, layer) = Key(name);
            return (Item: item, Section: section, Layer: layer, Name: name);
        });
        return keyed.OrderBy(x => x.Section).ThenBy(x => x.Layer).ThenBy(x => x.Name, StringComparer.Ordinal).Select(x => x.Item).ToList();
    }

    public static int Compare(string a, string b)
    {
        var ka = Key(a);
        var kb = Key(b);
        int c = ka.Section.CompareTo(kb.Section);
        if (c != 0) return c;
        c = ka.Layer.CompareTo(kb.Layer);
        return c != 0 ? c : string.CompareOrdinal(a, b);
    }

    private static (int Section, int Layer) Key(string name)
    {
        if (LayerIndex(name) is int layer) return (1, layer);
        bool isPre = name.Contains("embed", StringComparison.Ordinal) || name.Contains("wte", StringComparison.Ordinal)
            || name.Contains("wpe", StringComparison.Ordinal);
        return (isPre ? 0 : 2, 0);
    }
}
