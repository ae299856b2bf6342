using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ModelMerge.Formats.Recipes;

internal enum ScalarKind { Null, Boolean, Number, NonFinite, Text }

/// <summary>
/// What a YAML scalar means. mergekit reads recipes with PyYAML's safe loader (YAML 1.1), so
/// plain <c>yes</c>/<c>on</c> are booleans and <c>~</c> is null as there. Two departures, both
/// towards what users mean: <c>1e-5</c> is a number (PyYAML wants <c>1.0e-5</c> and otherwise
/// hands over a string), and a leading zero is decimal (<c>010</c> is 10, not octal 8).
/// Quoted and block scalars are always text; <c>!!str</c>, <c>!!int</c>, <c>!!float</c>,
/// <c>!!bool</c> and <c>!!null</c> say the kind outright; any other tag is refused, so
/// a recipe cannot ask for a constructed object.
/// </summary>
internal readonly partial record struct YamlScalar(ScalarKind Kind, string Text, double Number = 0, bool Boolean = false)
{
    private const string CoreTagPrefix = "tag:yaml.org,2002:";

    /// <summary>Resolves <paramref name="node"/>; null and a reason when its tag cannot be honoured.</summary>
    public static YamlScalar? Resolve(YamlScalarNode node, out string reason)
    {
        reason = "";
        string text = node.Value ?? "";
        if (node.Tag.IsEmpty)
            return node.Style is ScalarStyle.Plain or ScalarStyle.Any ? Implicit(text) : new YamlScalar(ScalarKind.Text, text);
        if (node.Tag.IsNonSpecific) return new YamlScalar(ScalarKind.Text, text);

        string tag = node.Tag.Value;
        string? core = tag.StartsWith(CoreTagPrefix, StringComparison.Ordinal) ? tag[CoreTagPrefix.Length..] : null;
        switch (core)
        {
            case "str": return new YamlScalar(ScalarKind.Text, text);
            case "null": return new YamlScalar(ScalarKind.Null, text);
            case "bool" or "int" or "float":
                var implicitly = Implicit(text);
                bool fits = core switch
                {
                    "bool" => implicitly.Kind == ScalarKind.Boolean,
                    "int" => implicitly.Kind == ScalarKind.Number && implicitly.Number == Math.Floor(implicitly.Number),
                    _ => implicitly.Kind is ScalarKind.Number or ScalarKind.NonFinite,
                };
                if (fits) return implicitly;
                reason = $"'{Shorten(text)}' is not a valid !!{core}";
                return null;
            default:
                reason = core is null ? $"the tag {tag} is not supported in a recipe" : $"the tag !!{core} is not supported in a recipe";
                return null;
        }
    }

    private static YamlScalar Implicit(string text)
    {
        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return new YamlScalar(ScalarKind.Null, text);
            case "true" or "True" or "TRUE" or "yes" or "Yes" or "YES" or "on" or "On" or "ON":
                return new YamlScalar(ScalarKind.Boolean, text, Boolean: true);
            case "false" or "False" or "FALSE" or "no" or "No" or "NO" or "off" or "Off" or "OFF":
                return new YamlScalar(ScalarKind.Boolean, text, Boolean: false);
        }
        if (NonFinitePattern().IsMatch(text)) return new YamlScalar(ScalarKind.NonFinite, text);
        if (NumberPattern().IsMatch(text))
        {
            double value = double.Parse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture);
            return new YamlScalar(double.IsFinite(value) ? ScalarKind.Number : ScalarKind.NonFinite, text, value);
        }
        return new YamlScalar(ScalarKind.Text, text);
    }

    /// <summary>Cuts long text for messages; a stranger's megabyte-long scalar does not belong in one.</summary>
    public static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";

    // YAML 1.1 decimal ints and floats (underscores allowed between digits), plus an exponent without a dot.
    [GeneratedRegex(@"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex NumberPattern();

    [GeneratedRegex(@"^(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", RegexOptions.CultureInvariant)]
    private static partial Regex NonFinitePattern();
}
