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

    [Fact]
    public void Wide_mapping_under_a_long_key_costs_its_size_not_its_width_times_the_key()
    {
        // Each of the 10,000 keys used to get the 100,000-character path of the key above it: 2 GB.
        string text = Minimal + "? " + new string('k', 100_000) + "\n:\n" + string.Concat(Enumerable.Range(0, 10_000).Select(i => $"  k{i}: 1\n"));

        var (recipe, allocated) = ParseMeasured(text);

        Assert.Single(recipe.Warnings);
        Assert.True(allocated < 64 << 20, $"allocated {allocated >> 20} MiB");
    }

    [Fact]
    public void Conditions_under_a_long_parameter_name_keep_short_paths()
    {
        // Every condition entry kept its parent's path: 5,000 copies of a 20,000-character name.
        string text = Minimal + "    parameters:\n      ? " + new string('w', 20_000) + "\n      : {filter: x, value: 1, "
                      + string.Concat(Enumerable.Range(0, 5_000).Select(i => $"k{i}: 1, ")) + "z: 1}\n";

        var (recipe, allocated) = ParseMeasured(text);

        Assert.True(allocated < 64 << 20, $"allocated {allocated >> 20} MiB");
        Assert.All(recipe.Warnings, warning => Assert.True(warning.Location.Path.Length < 200, warning.Location.Path));
    }

    [Fact]
    public void Long_key_is_cut_in_the_key_path_as_in_messages()
    {
        var ex = RecipeRefusal.Of(Minimal + "? " + new string('k', 5_000) + "\n: {a: 1, a: 2}\n", RecipeErrors.Syntax, 5, 10,
            "['" + new string('k', 57) + "...'].a");

        Assert.True(ex.Message.Length < 400, ex.Message);
    }

    [Fact]
    public void Recipe_with_more_nodes_than_the_limit_is_refused_while_it_is_read()
    {
        // A mebibyte of short keys under a key nothing reads: YamlDotNet alone built 100 MB for it.
        string text = Minimal + "extra:\n" + string.Concat(Enumerable.Range(0, 120_000).Select(i => $"  k{i}: 1\n"));
        text = text[..Math.Min(text.Length, RecipeLimits.MaxTextLength)];
        text = text[..(text.LastIndexOf('\n') + 1)];
        long before = GC.GetAllocatedBytesForCurrentThread();

        var ex = Assert.Throws<RecipeException>(() => MergeRecipe.Parse(text));

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(RecipeErrors.TooLarge, ex.ErrorId);
        Assert.Contains($"more than {RecipeLimits.MaxNodes}", ex.Reason);
        Assert.True(allocated < 64 << 20, $"allocated {allocated >> 20} MiB");
    }

    [Fact]
    public void Warnings_past_the_limit_are_counted_in_a_last_warning()
    {
        string text = Minimal + string.Concat(Enumerable.Range(0, RecipeLimits.MaxWarnings + 50).Select(i => $"unknown{i}: 1\n"));

        var recipe = MergeRecipe.Parse(text);

        Assert.Equal(RecipeLimits.MaxWarnings + 1, recipe.Warnings.Count);
        Assert.Contains("unknown0", recipe.Warnings[0].Message);
        Assert.StartsWith("50 more warnings", recipe.Warnings[^1].Message);
        Assert.Contains($"unknown{RecipeLimits.MaxWarnings}", recipe.Warnings[^1].Message);
        Assert.Equal(RecipeLimits.MaxWarnings + 4, recipe.Warnings[^1].Location.Line);
    }

    private static (MergeRecipe Recipe, long Allocated) ParseMeasured(string text)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var recipe = MergeRecipe.Parse(text);
        return (recipe, GC.GetAllocatedBytesForCurrentThread() - before);
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
