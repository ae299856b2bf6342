using System.Text;
using System.Text.RegularExpressions;

namespace ModelMerge.Fuzz.Mutation;

/// <summary>
/// A small YAML document model that writes itself in block or flow style, node by node as the
/// random source decides, so that generated recipes exercise both of YAML's syntaxes and their
/// mixtures the way hand-written recipes do.
/// </summary>
public abstract partial record YamlTree
{
    public sealed record Map(List<(string Key, YamlTree Value)> Entries) : YamlTree;

    public sealed record Seq(List<YamlTree> Items) : YamlTree;

    /// <summary>A scalar written as given (it may be a quoted string, a tag and value, an alias).</summary>
    public sealed record Raw(string Text) : YamlTree;

    /// <summary>A scalar that is quoted when it could not stand plain.</summary>
    public static YamlTree Scalar(string text) => new Raw(Plain(text) ? text : DoubleQuoted(text));

    public string Emit(Random random)
    {
        var text = new StringBuilder();
        WriteBlock(text, this, 0, random);
        return text.ToString();
    }

    private static void WriteBlock(StringBuilder text, YamlTree node, int indent, Random random)
    {
        switch (node)
        {
            case Map { Entries.Count: > 0 } map when random.Next(8) != 0:
                foreach (var (key, value) in map.Entries)
                {
                    text.Append(' ', indent).Append(Key(key)).Append(':');
                    WriteValue(text, value, indent, random);
                }
                break;
            case Seq { Items.Count: > 0 } seq when random.Next(8) != 0:
                foreach (var item in seq.Items)
                {
                    text.Append(' ', indent).Append('-');
                    if (item is Map { Entries.Count: > 0 } itemMap && random.Next(4) != 0)
                    {
                        // "- key: value" with the rest of the mapping under the first key.
                        var inner = new StringBuilder();
                        WriteBlock(inner, itemMap, indent + 2, new Random(random.Next()));
                        text.Append(' ').Append(inner.ToString().AsSpan(indent + 2));
                    }
                    else WriteValue(text, item, indent, random);
                }
                break;
            default:
                text.Append(' ', indent).Append(Flow(node)).Append('\n');
                break;
        }
    }

    private static void WriteValue(StringBuilder text, YamlTree value, int indent, Random random)
    {
        if (value is Raw or Map { Entries.Count: 0 } or Seq { Items.Count: 0 } || random.Next(5) == 0)
        {
            text.Append(' ').Append(Flow(value)).Append('\n');
            return;
        }
        text.Append('\n');
        WriteBlock(text, value, indent + 2, random);
    }

    public static string Flow(YamlTree node) => node switch
    {
        Raw raw => raw.Text,
        Map map => "{" + string.Join(", ", map.Entries.Select(e => Key(e.Key) + ": " + Flow(e.Value))) + "}",
        Seq seq => "[" + string.Join(", ", seq.Items.Select(Flow)) + "]",
        _ => throw new InvalidOperationException(),
    };

    private static string Key(string key) => Plain(key) ? key : DoubleQuoted(key);

    private static bool Plain(string text) => text.Length > 0 && PlainPattern().IsMatch(text);

    public static string DoubleQuoted(string text)
    {
        var quoted = new StringBuilder("\"");
        foreach (char c in text)
        {
            if (c == '"') quoted.Append("\\\"");
            else if (c == '\\') quoted.Append("\\\\");
            else if (c < 0x20) quoted.Append("\\x").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            else quoted.Append(c);
        }
        return quoted.Append('"').ToString();
    }

    [GeneratedRegex(@"^[A-Za-z0-9_./<][A-Za-z0-9_./<>|@+=-]*$")]
    private static partial Regex PlainPattern();
}
