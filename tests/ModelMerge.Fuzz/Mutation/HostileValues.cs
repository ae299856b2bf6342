using System.Text;

namespace ModelMerge.Fuzz.Mutation;

/// <summary>
/// Values that break parsers: numbers at and past the edges of long and double, spellings JSON
/// does not allow (NaN, hex, leading +), strings with NUL, lone surrogates, direction overrides
/// and byte order marks, path tricks, and long runs. The generators draw from these where a
/// real file has an ordinary value.
/// </summary>
public static class HostileValues
{
    public static readonly string[] Numbers =
    [
        "0", "1", "-1", "-0", "0.0", "1.5", "2", "4", "16", "1e3", "1E+2", "-1e-7", "4.0",
        "2147483647", "2147483648", "4294967296", "9007199254740993", "9223372036854775807", "9223372036854775808",
        "-9223372036854775808", "-9223372036854775809", "18446744073709551615", "18446744073709551616",
        "1e308", "1e309", "-1e309", "4.9e-324", "1e-400", "123456789012345678901234567890",
        "0x10", "NaN", "Infinity", "-Infinity", "+1", "01", "1.", ".5", "1e", "--1",
    ];

    public static readonly string[] Literals = ["null", "true", "false", "nul", "True", "undefined"];

    /// <summary>C# strings; <see cref="JsonSpelling.Quote"/> writes the lone surrogates among them as \u escapes.</summary>
    public static readonly string[] Strings =
    [
        "", " ", "a", "é", "模型", "😀", "\u0000", "\ud800", "\udc00\ud800", "\u202e", "\ufeff", "\u2028", "\"", "\\",
        "a\nb", "\t", "../..", "/etc/passwd", "C:\\Windows\\win.ini", "\\\\server\\share", "~", "%2e%2e",
        new string('x', 300), new string('é', 5000), new string('a', 70_000),
    ];

    /// <summary>Raw byte sequences that are not UTF-8, or are UTF-8 only by accident.</summary>
    public static readonly byte[][] BrokenUtf8 =
    [
        [0xC3], [0xC3, 0x28], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0xAF], [0xFF, 0xFE],
        [0xEF, 0xBB, 0xBF], [0xF0, 0x9F, 0x98, 0x80], [0x80],
    ];

    public static string Pick(Random random, string[] pool) => pool[random.Next(pool.Length)];

    /// <summary>Dictionary entries for <see cref="ByteMutator"/>: the pools above as JSON tokens, structure, and <paramref name="keys"/> quoted.</summary>
    public static IReadOnlyList<byte[]> JsonDictionary(params string[] keys)
    {
        var tokens = new List<string>();
        tokens.AddRange(Numbers);
        tokens.AddRange(Literals);
        tokens.AddRange(Strings.Where(s => s.Length < 100).Select(JsonSpelling.Quote));
        tokens.AddRange(keys.Select(JsonSpelling.Quote));
        tokens.AddRange(["{}", "[]", "{", "}", "[", "]", ",", ":", "\"", ",,", "{\"a\":1}", "[1,2]", "\"\\u0000\"", "\"\\ud800\"",
            "\"\\", "\\u", "//", "/*", "\r\n", new string('[', 100), new string('{', 70), "{\"a\":{\"a\":{\"a\":{\"a\":{}}}}}"]);
        var dictionary = tokens.Select(Encoding.UTF8.GetBytes).ToList();
        dictionary.AddRange(BrokenUtf8);
        return dictionary;
    }
}
