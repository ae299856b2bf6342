using System.Globalization;

namespace ModelMerge.Plans.Parameters;

/// <summary>
/// A parameter's value as a recipe states it (merge-semantics §1.3): a number, a gradient
/// interpolated over layer depth, or a list of tensor-name filters each with its own value.
/// Immutable; resolving it for a tensor reads nothing but the tensor's name and depth.
/// </summary>
public abstract class ParameterSetting
{
    public static ParameterSetting Of(double value) => new ScalarSetting(value);

    public static ParameterSetting Of(bool value) => new ScalarSetting(value ? 1 : 0);

    /// <summary>A gradient: values spread evenly over the layers, interpolated linearly between them.</summary>
    public static ParameterSetting Gradient(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("a gradient needs at least one value.", nameof(values));
        return values.Count == 1 ? new ScalarSetting(values[0]) : new GradientSetting([.. values]);
    }

    /// <summary>
    /// Filters tried on each tensor name. <paramref name="ordered"/>: the first matching rule
    /// wins, as in a recipe's list. Unordered (a plain hashtable): at most one specific filter
    /// may match a name, and a catch-all rule applies only when none does.
    /// </summary>
    public static ParameterSetting Filtered(IReadOnlyList<FilterRule> rules, bool ordered)
    {
        if (rules.Count == 0) throw new ArgumentException("a filtered setting needs at least one rule.", nameof(rules));
        return new FilteredSetting([.. rules], ordered);
    }

    /// <summary>
    /// One value per layer (merge-semantics §10.3, a row of the per-layer coefficient matrix for
    /// one model): layer ℓ gets values[ℓ]; tensors outside the layers, or past the last value,
    /// get the values' mean.
    /// </summary>
    public static ParameterSetting ByLayer(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("a per-layer table needs at least one value.", nameof(values));
        return new LayerTableSetting([.. values]);
    }

    /// <summary>
    /// <paramref name="primary"/>'s value, or <paramref name="fallback"/>'s where no filter of the
    /// primary matches: a slice's parameters over the recipe's (§1.3 lookup levels 2 and 4).
    /// </summary>
    public static ParameterSetting FirstOf(ParameterSetting primary, ParameterSetting fallback) => new FallbackSetting(primary, fallback);

    /// <summary>This setting with every value multiplied by <paramref name="factor"/> (−1 negates a weight).</summary>
    public ParameterSetting Times(double factor) =>
        factor == 1 ? this : this is ScalarSetting scalar ? new ScalarSetting(scalar.Value * factor) : new ScaledSetting(this, factor);

    /// <summary>
    /// The value for tensor <paramref name="tensorName"/> at layer position <paramref name="layerPosition"/>
    /// (0 first layer … 1 last), or null when no filter matches and lookup goes on to the next level.
    /// </summary>
    public abstract double? Resolve(string tensorName, double layerPosition);

    /// <summary>Whether the value can differ between layers (booleans and integers may not).</summary>
    public abstract bool VariesWithDepth { get; }

    /// <summary>Whether the value can differ between tensors at all.</summary>
    public virtual bool IsConstant => false;

    protected static string Format(double value) => value.ToString("G", CultureInfo.InvariantCulture);
}

/// <summary>One filter of a filtered setting: tensors whose name contains <see cref="Filter"/> (case-sensitive) get <see cref="Value"/>; a null filter or "*" matches every tensor.</summary>
public sealed record FilterRule(string? Filter, ParameterSetting Value)
{
    public bool IsCatchAll => Filter is null or "*";

    public bool Matches(string tensorName) => IsCatchAll || tensorName.Contains(Filter!, StringComparison.Ordinal);

    public override string ToString() => $"{(IsCatchAll ? "*" : Filter)}: {Value}";
}

internal sealed class ScalarSetting(double value) : ParameterSetting
{
    public double Value { get; } = value;

    public override double? Resolve(string tensorName, double layerPosition) => Value;

    public override bool VariesWithDepth => false;

    public override bool IsConstant => true;

    public override string ToString() => Format(Value);
}

internal sealed class GradientSetting(double[] values) : ParameterSetting
{
    /// <summary>§1.3: s = t·(n−1), interpolate between g[floor(s)] and the next; t is never clamped.</summary>
    public override double? Resolve(string tensorName, double layerPosition)
    {
        double s = layerPosition * (values.Length - 1);
        int lower = (int)Math.Floor(s);
        lower = Math.Clamp(lower, 0, values.Length - 1);
        int upper = Math.Min(values.Length - 1, lower + 1);
        double fraction = s - lower;
        return (1 - fraction) * values[lower] + fraction * values[upper];
    }

    public override bool VariesWithDepth => true;

    public override string ToString() => "[" + string.Join(", ", values.Select(Format)) + "]";
}

internal sealed class FilteredSetting(FilterRule[] rules, bool ordered) : ParameterSetting
{
    public override double? Resolve(string tensorName, double layerPosition)
    {
        if (ordered)
        {
            foreach (var rule in rules)
                if (rule.Matches(tensorName)) return rule.Value.Resolve(tensorName, layerPosition);
            return null;
        }
        FilterRule? match = null;
        foreach (var rule in rules.Where(r => !r.IsCatchAll && r.Matches(tensorName)))
        {
            if (match is not null)
                throw new PlanException(ParameterErrors.FilterAmbiguous,
                    $"the filters '{match.Filter}' and '{rule.Filter}' both match tensor '{tensorName}' and a hashtable has no order; "
                    + "write the setting as [ordered]@{ ... } so the first matching filter wins.", tensorName);
            match = rule;
        }
        match ??= rules.FirstOrDefault(r => r.IsCatchAll);
        return match?.Value.Resolve(tensorName, layerPosition);
    }

    public override bool VariesWithDepth => rules.Any(r => r.Value.VariesWithDepth);

    public override string ToString() => "{" + string.Join("; ", rules.Select(r => r.ToString())) + "}";
}

internal sealed class ScaledSetting(ParameterSetting inner, double factor) : ParameterSetting
{
    public override double? Resolve(string tensorName, double layerPosition) => inner.Resolve(tensorName, layerPosition) * factor;

    public override bool VariesWithDepth => inner.VariesWithDepth;

    public override string ToString() => $"{Format(factor)}×{inner}";
}

internal sealed class FallbackSetting(ParameterSetting primary, ParameterSetting fallback) : ParameterSetting
{
    public override double? Resolve(string tensorName, double layerPosition) =>
        primary.Resolve(tensorName, layerPosition) ?? fallback.Resolve(tensorName, layerPosition);

    public override bool VariesWithDepth => primary.VariesWithDepth || fallback.VariesWithDepth;

    public override string ToString() => $"{primary}, else {fallback}";
}

internal sealed partial class LayerTableSetting(double[] values) : ParameterSetting
{
    // §10.3's pattern: the first "layer" or "layers", a dot or underscore, then the index.
    [System.Text.RegularExpressions.GeneratedRegex(@"layers?[._](\d+)")]
    private static partial System.Text.RegularExpressions.Regex LayerIndex();

    private readonly double _mean = values.Average();

    public override double? Resolve(string tensorName, double layerPosition)
    {
        var match = LayerIndex().Match(tensorName);
        return match.Success && int.TryParse(match.Groups[1].ValueSpan, out int layer) && layer < values.Length ? values[layer] : _mean;
    }

    public override bool VariesWithDepth => true;

    public override string ToString() => "per layer [" + string.Join(", ", values.Select(Format)) + "]";
}
