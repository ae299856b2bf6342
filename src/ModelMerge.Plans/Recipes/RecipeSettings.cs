using ModelMerge.Formats.Recipes;
using ModelMerge.Plans.Parameters;

namespace ModelMerge.Plans.Recipes;

/// <summary>Turns a recipe's parameter values (merge-semantics §1.3) into the settings merges resolve per tensor.</summary>
internal static class RecipeSettings
{
    public const string ParameterUnsupported = "RecipeParameterUnsupported";

    public static Dictionary<string, ParameterSetting> From(RecipeMap<RecipeValue> parameters, string sourceName)
    {
        var settings = new Dictionary<string, ParameterSetting>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in parameters) settings[name] = From(name, value, sourceName);
        return settings;
    }

    private static ParameterSetting From(string name, RecipeValue value, string sourceName) => value switch
    {
        RecipeValue.Number n => ParameterSetting.Of(n.Value),
        RecipeValue.Boolean b => ParameterSetting.Of(b.Value),
        RecipeValue.Gradient g => ParameterSetting.Gradient(g.Values),
        // The recipe's conditions are a list: the first matching filter wins.
        RecipeValue.Conditional c => ParameterSetting.Filtered(
            c.Conditions.Select(condition => new FilterRule(condition.MatchesAll ? null : condition.Filter, From(name, condition.Value, sourceName))).ToList(),
            ordered: true),
        _ => throw new RecipeException(ParameterUnsupported, sourceName, value.Location,
            $"parameter {name} is {value}, a text; every parameter of ModelMerge's methods is a number, a boolean, a gradient or a list of filters"),
    };
}
