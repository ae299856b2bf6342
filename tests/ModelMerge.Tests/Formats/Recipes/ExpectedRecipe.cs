using ModelMerge.Formats.Recipes;

namespace ModelMerge.Tests.Formats.Recipes;

/// <summary>Short spellings for the object graphs a recipe is expected to read into.</summary>
internal static class ExpectedRecipe
{
    public static RecipeValue Number(double value) => new RecipeValue.Number(value);

    public static RecipeValue Flag(bool value) => new RecipeValue.Boolean(value);

    public static RecipeValue Gradient(params double[] values) => new RecipeValue.Gradient(new RecipeList<double>(values));

    public static RecipeValue Conditional(params RecipeCondition[] conditions) => new RecipeValue.Conditional(new RecipeList<RecipeCondition>(conditions));

    public static RecipeCondition If(string filter, RecipeValue value) => new(filter, value);

    public static RecipeCondition Otherwise(RecipeValue value) => new(null, value);

    public static RecipeMap<RecipeValue> Settings(params (string Name, RecipeValue Value)[] entries) =>
        new(entries.Select(e => KeyValuePair.Create(e.Name, e.Value)));

    public static RecipeMap<RecipeValue> NoParameters => RecipeMap<RecipeValue>.Empty;

    public static ModelReference Model(string path) => new(path);

    public static RecipeModel Input(string path, params (string Name, RecipeValue Value)[] parameters) =>
        new(new ModelReference(path), Settings(parameters));

    public static RecipeSource Source(string path, int start, int end, params (string Name, RecipeValue Value)[] parameters) =>
        new(new ModelReference(path), start, end, Settings(parameters));
}
