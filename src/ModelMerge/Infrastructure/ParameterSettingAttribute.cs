using System.Collections;
using System.Collections.Specialized;
using System.Globalization;
using System.Management.Automation;
using ModelMerge.Plans.Parameters;

namespace ModelMerge.Commands.Infrastructure;

/// <summary>
/// Reads a merge parameter the way users write it: <c>0.5</c>; a gradient over layer depth
/// <c>0, 0.5, 1</c>; or per-tensor filters <c>@{ self_attn = 0, 0.5, 1; mlp = 0.3; default = 0.5 }</c>
/// (a name containing the key gets its value; <c>default</c> or <c>*</c> covers the rest;
/// <c>[ordered]@{...}</c> makes the first matching key win). For a per-model parameter a list
/// is one setting per model, so a gradient for one model goes inside a hashtable:
/// <c>@{ default = 0, 0.5, 1 }</c>.
/// </summary>
public sealed class ParameterSettingAttribute : ArgumentTransformationAttribute
{
    /// <summary>The parameter takes one setting per model.</summary>
    public bool PerModel { get; set; }

    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        object? value = Unwrap(inputData);
        if (value is ParameterSetting or ParameterSetting[]) return value;
        try
        {
            if (!PerModel) return ToSetting(value);
            return value is IList list ? list.Cast<object?>().Select(v => ToSetting(Unwrap(v))).ToArray() : new[] { ToSetting(value) };
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidCastException or FormatException or OverflowException)
        {
            throw new ArgumentTransformationMetadataException(ex.Message, ex);
        }
    }

    /// <summary>One setting from a number, a list of numbers (a gradient) or a hashtable of filters.</summary>
    public static ParameterSetting ToSetting(object? value) => Unwrap(value) switch
    {
        ParameterSetting setting => setting,
        IDictionary filters => Filtered(filters),
        IList list => ParameterSetting.Gradient(list.Cast<object?>().Select(Number).ToList()),
        var scalar => ParameterSetting.Of(Number(scalar)),
    };

    private static ParameterSetting Filtered(IDictionary filters)
    {
        var rules = new List<FilterRule>();
        foreach (DictionaryEntry entry in filters)
        {
            string key = Unwrap(entry.Key)?.ToString() ?? throw new ArgumentException("a filter key cannot be null.");
            string? filter = key is "default" or "*" ? null : key;
            var inner = Unwrap(entry.Value);
            if (inner is IDictionary) throw new ArgumentException($"the value of filter '{key}' must be a number or a gradient, not another hashtable.");
            rules.Add(new FilterRule(filter, ToSetting(inner)));
        }
        if (rules.Count == 0) throw new ArgumentException("an empty hashtable gives no value; write at least one filter or default.");
        // The catch-all is tried last whatever the hashtable's order, like a recipe's fallback entry.
        bool ordered = filters is OrderedDictionary;
        return ParameterSetting.Filtered(ordered ? rules : [.. rules.Where(r => !r.IsCatchAll), .. rules.Where(r => r.IsCatchAll)], ordered);
    }

    private static double Number(object? value) => Unwrap(value) switch
    {
        bool b => b ? 1 : 0,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) => d,
        IConvertible c and not string and not char => c.ToDouble(CultureInfo.InvariantCulture),
        var other => throw new ArgumentException($"'{other}' is not a number; a merge parameter is a number, a list of numbers (a gradient) or a hashtable of filters."),
    };

    private static object? Unwrap(object? value) => value is PSObject ps ? ps.BaseObject : value;
}
