using ModelMerge.Formats.Recipes;
using static ModelMerge.Tests.Formats.Recipes.ExpectedRecipe;

namespace ModelMerge.Tests.Formats.Recipes;

/// <summary>YAML itself: documents that are not mappings, malformed text, duplicates, aliases, encodings.</summary>
public sealed class YamlEdgeCaseTests
{
    private const string Minimal = "merge_method: linear\nmodels:\n  - model: ./a\n";

    [Theory]
    [InlineData("")]
    [InlineData("   \n\n")]
    [InlineData("# only a comment\n")]
    public void An_empty_document_is_refused(string text)
    {
        var ex = RecipeRefusal.Of(text, RecipeErrors.Schema, 1, 1, "");

        Assert.Contains("empty", ex.Reason);
    }

    [Fact]
    public void A_null_document_is_refused_as_empty()
    {
        Assert.Contains("empty", RecipeRefusal.Of("---\n~\n", RecipeErrors.Schema, 2, 1, "").Reason);
    }

    [Theory]
    [InlineData("- merge_method: linear\n", "found a list")]
    [InlineData("linear\n", "found the text 'linear'")]
    [InlineData("42\n", "found the number 42")]
    public void A_document_that_is_not_a_mapping_is_refused(string text, string found)
    {
        Assert.Contains(found, RecipeRefusal.Of(text, RecipeErrors.Schema, 1, 1, "").Reason);
    }

    [Fact]
    public void A_tab_in_indentation_is_a_syntax_error_at_the_tab()
    {
        var ex = RecipeRefusal.Of("merge_method: linear\nmodels:\n\t- model: ./a\n", RecipeErrors.Syntax, 3, 1, "models");

        Assert.Contains("tab", ex.Reason);
    }

    [Fact]
    public void Tabs_inside_values_and_comments_are_fine()
    {
        var recipe = MergeRecipe.Parse("merge_method: linear\t# soup\nmodels:\n  - model: \"./a\tb\"\n");

        Assert.Equal(Model("./a\tb"), recipe.Models![0].Model);
    }

    [Fact]
    public void An_unterminated_quote_is_a_syntax_error()
    {
        var ex = Assert.Throws<RecipeException>(() => MergeRecipe.Parse("merge_method: linear\nmodels:\n  - model: \"./a\n", "test.yml"));

        Assert.Equal(RecipeErrors.Syntax, ex.ErrorId);
        Assert.Equal(3, ex.Location!.Line);
        Assert.StartsWith("test.yml:3:", ex.Message);
        Assert.Contains("not valid YAML", ex.Reason);
    }

    [Fact]
    public void Bad_indentation_is_a_syntax_error_with_a_position()
    {
        var ex = Assert.Throws<RecipeException>(() => MergeRecipe.Parse("merge_method: linear\nmodels:\n  - model: ./a\n parameters: {}\n"));

        Assert.Equal(RecipeErrors.Syntax, ex.ErrorId);
        Assert.True(ex.Location!.Line >= 3, ex.Message);
    }

    [Fact]
    public void A_duplicate_top_level_key_is_refused_naming_both_places()
    {
        var ex = RecipeRefusal.Of(Minimal + "dtype: float16\nparameters: {}\ndtype: bfloat16\n", RecipeErrors.Syntax, 6, 1, "dtype");

        Assert.Contains("duplicate key 'dtype' (first at 4:1)", ex.Reason);
    }

    [Fact]
    public void A_duplicate_nested_key_is_refused_with_its_path()
    {
        RecipeRefusal.Of("merge_method: linear\nmodels:\n  - model: ./a\n    parameters: {weight: 1, weight: 2}\n", RecipeErrors.Syntax, 4, 29, "models[0].parameters.weight");
    }

    [Fact]
    public void Quoted_and_plain_spellings_of_one_key_are_duplicates()
    {
        RecipeRefusal.Of(Minimal + "'dtype': float16\ndtype: float16\n", RecipeErrors.Syntax, 5, 1, "dtype");
    }

    [Fact]
    public void A_second_document_is_refused()
    {
        var ex = RecipeRefusal.Of(Minimal + "---\n" + Minimal, RecipeErrors.Schema, 4, 1, "");

        Assert.Contains("second YAML document", ex.Reason);
    }

    [Fact]
    public void Document_markers_around_one_document_are_fine()
    {
        Assert.Equal("linear", MergeRecipe.Parse("%YAML 1.1\n---\n" + Minimal + "...\n").MergeMethod);
    }

    [Fact]
    public void An_alias_to_an_undefined_anchor_is_a_syntax_error_at_the_alias()
    {
        var ex = RecipeRefusal.Of(Minimal + "base_model: *missing\n", RecipeErrors.Syntax, 4, 13, "base_model");

        Assert.Contains("*missing names no anchor", ex.Reason);
    }

    [Fact]
    public void An_alias_inside_the_node_it_names_is_refused()
    {
        var ex = RecipeRefusal.Of(Minimal + "parameters: &p {weight: *p}\n", RecipeErrors.Schema, 4, 25, "parameters.weight");

        Assert.Contains("inside the node it names", ex.Reason);
    }

    [Theory]
    [InlineData("? [a, b]\n: 1\n", 4, 3, "a list")]
    [InlineData("? {a: 1}\n: 1\n", 4, 3, "a mapping")]
    [InlineData("x: &k key\n*k : 1\n", 5, 1, "an alias")]
    public void Keys_that_are_not_plain_names_are_refused(string yaml, int line, int column, string what)
    {
        var ex = RecipeRefusal.Of(Minimal + yaml, RecipeErrors.Schema, line, column, "");

        Assert.Contains($"not {what}", ex.Reason);
    }

    [Fact]
    public void A_merge_key_is_refused_as_unsupported()
    {
        var ex = RecipeRefusal.Of("merge_method: linear\nmodels:\n  - &m {model: ./a}\n  - <<: *m\n    parameters: {}\n", RecipeErrors.Unsupported, 4, 5, "models[1]['<<']");

        Assert.Contains("merge keys", ex.Reason);
    }

    [Fact]
    public void A_byte_order_mark_and_windows_line_ends_are_read()
    {
        var recipe = MergeRecipe.Parse("\uFEFFmerge_method: linear\r\nmodels:\r\n  - model: ./a\r\n    parameters: {weight: 0.5}\r\n");

        Assert.Equal(RecipeList.Create<RecipeModel>([Input("./a", ("weight", Number(0.5)))]), recipe.Models);
        Assert.Equal(new RecipeLocation(3, 12, "models[0].model"), recipe.Models![0].Model.Location);
    }

    [Fact]
    public void Unicode_paths_and_token_texts_are_kept()
    {
        var recipe = MergeRecipe.Parse("merge_method: linear\nmodels:\n  - model: ./modèle-日本\ntokenizer:\n  tokens:\n    \"▁héllo\": {}\n");

        Assert.Equal(Model("./modèle-日本"), recipe.Models![0].Model);
        Assert.Equal(["▁héllo"], recipe.Tokenizer!.Tokens.Keys);
    }

    [Fact]
    public void Huge_numbers_are_numbers_until_they_overflow()
    {
        var recipe = MergeRecipe.Parse(Minimal + "parameters: {a: 1e308, b: 99999999999999999999999999999999999999}\n");

        Assert.Equal(1e308, ((RecipeValue.Number)recipe.Parameters["a"]).Value);
        Assert.Equal(1e38, ((RecipeValue.Number)recipe.Parameters["b"]).Value, 1e23);
        RecipeRefusal.Of(Minimal + "parameters: {a: 1e309}\n", RecipeErrors.Schema, 4, 17, "parameters.a");
        RecipeRefusal.Of(Minimal + "parameters: {a: " + new string('9', 400) + "}\n", RecipeErrors.Schema, 4, 17, "parameters.a");
    }
}
