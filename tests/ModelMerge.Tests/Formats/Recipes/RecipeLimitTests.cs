using System.Diagnostics;
using System.Text;
using ModelMerge.Formats.Recipes;

namespace ModelMerge.Tests.Formats.Recipes;

/// <summary>Recipes come from strangers: size, depth and alias amplification are bounded (RecipeLimits).</summary>
public sealed class RecipeLimitTests
{
    private const string Minimal = "merge_method: linear\nmodels:\n  - model: ./a\n";

    [Fact]
    public void Text_over_one_mebibyte_is_refused_before_parsing()
    {
        string text = Minimal + "# " + new string('x', RecipeLimits.MaxTextLength) + "\n";

        var ex = Assert.Throws<RecipeException>(() => MergeRecipe.Parse(text, "big.yml"));

        Assert.Equal(RecipeErrors.TooLarge, ex.ErrorId);
        Assert.Null(ex.Location);
        Assert.StartsWith("big.yml: ", ex.Message);
    }

    [Fact]
    public void Text_just_under_the_limit_is_read()
    {
        string padding = "# " + new string('x', 1000) + "\n";
        var text = new StringBuilder(Minimal);
        while (text.Length + padding.Length <= RecipeLimits.MaxTextLength) text.Append(padding);

        Assert.Equal("linear", MergeRecipe.Parse(text.ToString()).MergeMethod);
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_refused_where_it_goes_too_deep()
    {
        string deep = new string('[', RecipeLimits.MaxDepth) + new string(']', RecipeLimits.MaxDepth);

        // The top-level mapping is the first level, so the list opening at column 64 is level 65.
        var ex = RecipeRefusal.Of(Minimal + "extra: " + deep + "\n", RecipeErrors.TooLarge, 4, 7 + RecipeLimits.MaxDepth, "extra" + string.Concat(Enumerable.Repeat("[0]", RecipeLimits.MaxDepth - 1)));

        Assert.Contains($"deeper than {RecipeLimits.MaxDepth}", ex.Reason);
    }

    [Fact]
    public void Nesting_up_to_the_limit_is_read()
    {
        int lists = RecipeLimits.MaxDepth - 1;
        var recipe = MergeRecipe.Parse(Minimal + "extra: " + new string('[', lists) + new string(']', lists) + "\n");

        Assert.Equal(RecipeErrors.UnknownKey, Assert.Single(recipe.Warnings).Id);
    }

    [Fact]
    public void A_million_unclosed_brackets_do_not_overflow_the_stack()
    {
        var ex = Assert.Throws<RecipeException>(() => MergeRecipe.Parse("a: " + new string('[', RecipeLimits.MaxTextLength - 3)));

        Assert.Equal(RecipeErrors.TooLarge, ex.ErrorId);
    }

    [Fact]
    public void Billion_laughs_under_an_ignored_key_is_not_expanded()
    {
        var stopwatch = Stopwatch.StartNew();
        var recipe = MergeRecipe.Parse(Minimal + BillionLaughs("lol"));

        Assert.Single(recipe.Warnings);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public void Aliases_that_multiply_what_the_reader_visits_are_cut_off()
    {
        // 30 models x 30 parameters x 30 conditions x 30-element gradients: 810,000 values from 3 KB of text.
        string gradient = "[" + string.Join(", ", Enumerable.Repeat("1", 30)) + "]";
        string conditions = "[" + string.Join(", ", Enumerable.Repeat("*c", 30)) + "]";
        string parameters = "{" + string.Join(", ", Enumerable.Range(0, 30).Select(i => $"p{i}: *cs")) + "}";
        string models = "[" + string.Join(", ", Enumerable.Repeat("{model: ./a, parameters: *ps}", 30)) + "]";
        string text = $"""
            merge_method: linear
            anchors:
              - &c {"{"}value: {gradient}{"}"}
              - &cs {conditions}
              - &ps {parameters}
            models: {models}
            """;

        var stopwatch = Stopwatch.StartNew();
        var ex = Assert.Throws<RecipeException>(() => MergeRecipe.Parse(text));

        Assert.Equal(RecipeErrors.TooLarge, ex.ErrorId);
        Assert.NotNull(ex.Location);
        Assert.StartsWith("models[", ex.Location!.Path);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"took {stopwatch.Elapsed}");
    }

    /// <summary>Ten levels of ten aliases each: 10^10 leaves if expanded.</summary>
    private static string BillionLaughs(string key)
    {
        var text = new StringBuilder($"{key}:\n  - &l0 lol\n");
        for (int level = 1; level <= 10; level++)
            text.Append($"  - &l{level} [").Append(string.Join(", ", Enumerable.Repeat($"*l{level - 1}", 10))).Append("]\n");
        return text.ToString();
    }
}
