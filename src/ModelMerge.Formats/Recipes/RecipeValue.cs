using System.Globalization;
using System.Text;

namespace ModelMerge.Formats.Recipes;

/// <summary>
/// A parameter setting as a recipe writes it (merge-semantics §1.3): a number, a boolean, a
/// text, a list of numbers (a gradient over layer depth), a list of texts, or a list of
/// <c>{filter, value}</c> conditions. The formats layer only records the form; which
/// parameter accepts which form, and what a value means for a tensor, is the plan layer's.
/// </summary>
/// <remarks>
/// Equality is about what the recipe says, not where: <see cref="Location"/> takes no part
/// in it, so <c>weight: 0.5</c> on line 3 equals <c>weight: 0.5</c> on line 30.
/// </remarks>
public abstract record RecipeValue
{
    private protected RecipeValue() { }

    /// <summary>Where the value is written; null for values built in code.</summary>
    public RecipeLocation? Location { get; init; }

    public virtual bool Equals(RecipeValue? other) => other is not null && EqualityContract == other.EqualityContract;

    public override int GetHashCode() => EqualityContract.GetHashCode();

    protected virtual bool PrintMembers(StringBuilder builder) => false;

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A scalar number; YAML integers and reals both land here (§1.3: every numeric parameter is a double).</summary>
    public sealed record Number(double Value) : RecipeValue
    {
        public override string ToString() => Format(Value);
    }

    /// <summary>A YAML boolean. 0 and 1 stay <see cref="Number"/>s; the plan layer reads them as booleans where a boolean is due.</summary>
    public sealed record Boolean(bool Value) : RecipeValue
    {
        public override string ToString() => Value ? "true" : "false";
    }

    /// <summary>A non-numeric scalar (mergekit's schema admits strings); no method parameter takes one yet.</summary>
    public sealed record Text(string Value) : RecipeValue
    {
        public override string ToString() => Value;
    }

    /// <summary>A list of numbers, interpolated piecewise-linearly over layer depth (§1.3).</summary>
    public sealed record Gradient(RecipeList<double> Values) : RecipeValue
    {
        public override string ToString() => "[" + string.Join(", ", Values.Select(Format)) + "]";
    }

    /// <summary>A list of non-numeric scalars: element ⌊t·(n−1)⌋ is taken, no interpolation (§1.3).</summary>
    public sealed record TextList(RecipeList<string> Values) : RecipeValue
    {
        public override string ToString() => "[" + string.Join(", ", Values) + "]";
    }

    /// <summary>
    /// Conditions tried in order on a tensor name; the first match gives the value, none
    /// matching yields nothing at this level (§1.3). A bare <c>{filter, value}</c> mapping
    /// is read as a one-element list (§11 deviation 8).
    /// </summary>
    public sealed record Conditional(RecipeList<RecipeCondition> Conditions) : RecipeValue
    {
        public override string ToString() => Conditions.ToString();
    }
}

/// <summary>
/// One <c>{filter, value}</c> entry of a <see cref="RecipeValue.Conditional"/>. The value is a
/// number, a boolean or a gradient, never another conditional (§8.1).
/// </summary>
public sealed record RecipeCondition(string? Filter, RecipeValue Value)
{
    /// <summary>An absent or null filter, or <c>"*"</c>, matches every tensor (§1.3).</summary>
    public bool MatchesAll => Filter is null or "*";

    public override string ToString() => Filter is null ? $"{{value: {Value}}}" : $"{{filter: {Filter}, value: {Value}}}";
}
