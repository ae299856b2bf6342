using System.Globalization;
using System.Text;

namespace ModelMerge.Fuzz.Mutation;

/// <summary>
/// Writes JSON text the way different writers do: the same string escaped or raw, members
/// separated by no space or by newlines and indentation. Parsers must read every spelling of a
/// valid document alike, and the generators use the variety to reach more of the tokenizer.
/// </summary>
public static class JsonSpelling
{
    /// <summary>A string literal with only the escapes JSON requires (lone surrogates as \u escapes, since UTF-8 cannot carry them).</summary>
    public static string Quote(string text) => Quote(text, null);

    /// <summary>A string literal; with <paramref name="random"/>, some ordinary characters are \u-escaped too.</summary>
    public static string Quote(string text, Random? random)
    {
        bool escapeMore = random is not null && text.Length < 1024 && random.Next(12) == 0;
        if (!escapeMore && !NeedsEscape(text)) return string.Concat("\"", text, "\"");
        var quoted = new StringBuilder(text.Length + 2).Append('"');
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            bool pairedSurrogate = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])
                                   || char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(text[i - 1]);
            if (c == '"') quoted.Append("\\\"");
            else if (c == '\\') quoted.Append("\\\\");
            else if (c < 0x20 || char.IsSurrogate(c) && !pairedSurrogate || escapeMore && random!.Next(3) == 0)
                quoted.Append("\\u").Append(((int)c).ToString(random?.Next(2) == 0 ? "X4" : "x4", CultureInfo.InvariantCulture));
            else quoted.Append(c);
        }
        return quoted.Append('"').ToString();
    }

    /// <summary>Control characters, the quote, the backslash, surrogates: what <see cref="Quote(string, Random?)"/> may have to escape.</summary>
    private static bool NeedsEscape(ReadOnlySpan<char> text) =>
        text.IndexOfAnyInRange('\u0000', '\u001f') >= 0 || text.IndexOfAny('"', '\\') >= 0 || text.IndexOfAnyInRange('\ud800', '\udfff') >= 0;

    /// <summary>Mostly nothing; sometimes the spaces, newlines and tabs pretty-printers put between tokens.</summary>
    public static string Space(Random random) => random.Next(6) switch
    {
        0 => " ",
        1 => "\n  ",
        2 => random.Next(20) == 0 ? "\r\n\t" : "",
        _ => "",
    };

    public static string Object(IEnumerable<string> members, Random random) =>
        "{" + Space(random) + string.Join("," + Space(random), members) + Space(random) + "}";

    public static string Array(IEnumerable<string> items, Random random) =>
        "[" + string.Join("," + Space(random), items) + "]";

    public static string Member(string name, string value, Random random) =>
        Quote(name, random) + Space(random) + ":" + Space(random) + value;

    /// <summary><paramref name="depth"/> arrays or objects around <paramref name="inner"/>: nesting past parsers' depth limits.</summary>
    public static string Nested(int depth, string inner, Random random)
    {
        var text = new StringBuilder();
        var closers = new Stack<char>();
        for (int i = 0; i < depth; i++)
        {
            if (random.Next(2) == 0) { text.Append('['); closers.Push(']'); }
            else { text.Append("{\"k\":"); closers.Push('}'); }
        }
        text.Append(inner);
        while (closers.Count > 0) text.Append(closers.Pop());
        return text.ToString();
    }
}
