using ModelMerge.Formats.Recipes;
using static ModelMerge.Tests.Formats.Recipes.ExpectedRecipe;

namespace ModelMerge.Tests.Formats.Recipes;

/// <summary>The value forms of merge-semantics §1.3 and §8.1, and the forms that are not values.</summary>
public sealed class RecipeValueTests
{
    /// <summary>A recipe whose top-level parameter <c>p</c> is <paramref name="value"/>; the value starts at 5:6.</summary>
    private static string WithParameter(string value) => $"merge_method: linear\nmodels:\n  - model: ./a\nparameters:\n  p: {value}\n";

    private static RecipeValue ParameterOf(string value) => MergeRecipe.Parse(WithParameter(value)).Parameters["p"];

    [Theory]
    [InlineData("1", 1.0)]
    [InlineData("-2", -2.0)]
    [InlineData("0.25", 0.25)]
    [InlineData("+.5", 0.5)]
    [InlineData("1.", 1.0)]
    [InlineData("1e-5", 1e-5)]
    [InlineData("2.5E+3", 2500.0)]
    [InlineData("1_000", 1000.0)]
    [InlineData("010", 10.0)]
    [InlineData("123456789012345678901234567890", 1.2345678901234568E+29)]
    [InlineData("1.7976931348623157e308", double.MaxValue)]
    public void Integers_and_reals_are_numbers(string text, double expected)
    {
        Assert.Equal(Number(expected), ParameterOf(text));
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("False", false)]
    [InlineData("yes", true)]
    [InlineData("NO", false)]
    [InlineData("on", true)]
    [InlineData("Off", false)]
    [InlineData("!!bool true", true)]
    public void Yaml_booleans_are_booleans(string text, bool expected)
    {
        Assert.Equal(Flag(expected), ParameterOf(text));
    }

    [Fact]
    public void Zero_and_one_stay_numbers_for_the_plan_layer_to_read_as_booleans()
    {
        Assert.Equal(Number(1), ParameterOf("1"));
        Assert.Equal(Number(0), ParameterOf("0"));
    }

    [Theory]
    [InlineData("auto", "auto")]
    [InlineData("'0.5'", "0.5")]
    [InlineData("\"true\"", "true")]
    [InlineData("!!str 7", "7")]
    [InlineData("0x1F", "0x1F")]
    [InlineData("inf", "inf")]
    public void Other_scalars_are_text(string text, string expected)
    {
        Assert.Equal(new RecipeValue.Text(expected), ParameterOf(text));
    }

    [Fact]
    public void A_list_of_numbers_is_a_gradient_and_a_list_of_texts_a_text_list()
    {
        Assert.Equal(Gradient(0, 0.5, 1), ParameterOf("[0, 0.5, 1]"));
        Assert.Equal(Gradient(3), ParameterOf("[3]"));
        Assert.Equal(new RecipeValue.TextList(["first", "second"]), ParameterOf("[first, second]"));
    }

    [Fact]
    public void A_bare_filter_value_mapping_is_a_one_condition_list()
    {
        Assert.Equal(Conditional(If("mlp", Number(0.5))), ParameterOf("{filter: mlp, value: 0.5}"));
        Assert.Equal(Conditional(Otherwise(Gradient(1, 0))), ParameterOf("{value: [1, 0]}"));
    }

    [Fact]
    public void Conditions_take_numbers_booleans_and_gradients_and_any_filter_text()
    {
        var value = ParameterOf("[{filter: '*', value: true}, {filter: '', value: [0.1, 0.2]}, {filter: null, value: 3}, {filter: 12, value: 1}]");

        Assert.Equal(Conditional(If("*", Flag(true)), If("", Gradient(0.1, 0.2)), Otherwise(Number(3)), If("12", Number(1))), value);
        var conditions = ((RecipeValue.Conditional)value).Conditions;
        Assert.Equal([true, false, true, false], conditions.Select(c => c.MatchesAll));
    }

    [Fact]
    public void Values_print_as_recipe_text_for_messages()
    {
        Assert.Equal("[{filter: mlp, value: [0.2, 0.8]}, {value: 0.5}]", ParameterOf("[{filter: mlp, value: [0.2, 0.8]}, {value: 0.5}]").ToString());
        Assert.Equal("[a, b]", ParameterOf("[a, b]").ToString());
        Assert.Equal("true", ParameterOf("on").ToString());
    }

    [Fact]
    public void Parameter_order_is_kept()
    {
        var recipe = MergeRecipe.Parse("merge_method: ties\nmodels:\n  - model: ./a\nparameters: {z: 1, a: 2, m: 3}\n");

        Assert.Equal(["z", "a", "m"], recipe.Parameters.Keys);
    }

    [Theory]
    [InlineData("[]", 5, 6, "p", "empty")]
    [InlineData("", 5, 5, "p", "has no value")]
    [InlineData("~", 5, 6, "p", "has no value")]
    [InlineData(".inf", 5, 6, "p", "finite")]
    [InlineData("-.Inf", 5, 6, "p", "finite")]
    [InlineData(".nan", 5, 6, "p", "finite")]
    [InlineData("1e999", 5, 6, "p", "finite")]
    [InlineData("[0.1, .nan]", 5, 12, "p[1]", "finite")]
    [InlineData("[0.1, abc]", 5, 12, "p[1]", "mixes numbers and texts")]
    [InlineData("[true, false]", 5, 7, "p[0]", "booleans cannot vary over layers")]
    [InlineData("[0.1, ~]", 5, 12, "p[1]", "nothing (null)")]
    [InlineData("[[0.1], [0.2]]", 5, 7, "p[0]", "not a list")]
    [InlineData("[0.5, {value: 1}]", 5, 12, "p[1]", "not a mapping")]
    [InlineData("[{value: 1}, 0.5]", 5, 19, "p[1]", "only {filter, value} mappings")]
    [InlineData("{filter: mlp}", 5, 6, "p", "needs 'value'")]
    [InlineData("{filter: mlp, value: ~}", 5, 20, "p.value", "has no value")]
    [InlineData("{filter: mlp, value: fast}", 5, 27, "p.value", "found the text 'fast'")]
    [InlineData("{filter: mlp, value: [a, b]}", 5, 28, "p.value[0]", "list of texts")]
    [InlineData("{filter: mlp, value: {value: 1}}", 5, 27, "p.value", "conditions cannot nest")]
    [InlineData("{filter: mlp, value: [{value: 1}]}", 5, 28, "p.value[0]", "conditions cannot nest")]
    [InlineData("{filter: [mlp], value: 1}", 5, 15, "p.filter", "expected a filter")]
    [InlineData("!!python/object:os.system 1", 5, 6, "p", "tag")]
    [InlineData("!!int 1.5", 5, 6, "p", "not a valid !!int")]
    [InlineData("!!set {a: ~}", 5, 6, "p", "tag")]
    public void Malformed_values_are_refused_with_their_key_path(string text, int line, int column, string path, string why)
    {
        var ex = RecipeRefusal.Of(WithParameter(text), RecipeErrors.Schema, line, column, "parameters." + path);

        Assert.Contains(why, ex.Reason);
    }

    [Fact]
    public void A_parameter_without_a_name_is_refused()
    {
        RecipeRefusal.Of("merge_method: linear\nmodels:\n  - model: ./a\nparameters:\n  '': 1\n", RecipeErrors.Schema, 5, 3, "parameters['']");
    }

    [Fact]
    public void Parameters_must_be_a_mapping()
    {
        var ex = RecipeRefusal.Of("merge_method: linear\nmodels:\n  - model: ./a\n    parameters: [weight, 1]\n", RecipeErrors.Schema, 4, 17, "models[0].parameters");

        Assert.Contains("found a list", ex.Reason);
    }
}
