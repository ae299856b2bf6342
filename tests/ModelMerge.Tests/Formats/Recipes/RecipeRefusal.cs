using ModelMerge.Formats.Recipes;

namespace ModelMerge.Tests.Formats.Recipes;

/// <summary>Reads a recipe that must be refused and checks the refusal says which rule, where and under which key.</summary>
internal static class RecipeRefusal
{
    public static RecipeException Of(string yaml, string errorId, int line, int column, string path, bool strict = false)
    {
        var ex = Assert.Throws<RecipeException>(() => MergeRecipe.Parse(yaml, "test.yml", strict));
        Assert.Equal(errorId, ex.ErrorId);
        Assert.NotNull(ex.Location);
        Assert.Equal((line, column), (ex.Location!.Line, ex.Location.Column));
        Assert.Equal(path, ex.Location.Path);
        Assert.StartsWith($"test.yml:{line}:{column}: ", ex.Message);
        if (path.Length > 0) Assert.Contains($": {path}: ", ex.Message);
        return ex;
    }
}
