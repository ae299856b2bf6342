using ModelMerge.Formats.Recipes;
using static ModelMerge.Tests.Formats.Recipes.ExpectedRecipe;

namespace ModelMerge.Tests.Formats.Recipes;

/// <summary>The example recipes of merge-semantics §8.2 read into exactly the object graphs they describe.</summary>
public sealed class ExampleRecipeTests
{
    [Fact]
    public void R1_linear_soup_reads_per_model_weights_including_a_filtered_one()
    {
        var recipe = MergeRecipe.Parse(ExampleRecipes.R1LinearSoup);

        Assert.Equal("linear", recipe.MergeMethod);
        Assert.Null(recipe.BaseModel);
        Assert.Null(recipe.Slices);
        Assert.Equal(
            RecipeList.Create<RecipeModel>(
            [
                Input("./ft-chat", ("weight", Number(1.0))),
                Input("./ft-code", ("weight", Conditional(If("mlp", Number(0.6)), Otherwise(Number(0.3))))),
                Input("./ft-math", ("weight", Number(0.5))),
            ]),
            recipe.Models);
        Assert.Equal(Settings(("normalize", Flag(true))), recipe.Parameters);
        Assert.Equal("bfloat16", recipe.DType);
        Assert.Null(recipe.OutDType);
        Assert.Null(recipe.TokenizerSource);
        Assert.Null(recipe.Tokenizer);
        Assert.Null(recipe.ChatTemplate);
        Assert.Equal(ExampleRecipes.R1LinearSoup, recipe.Text);
        Assert.Empty(recipe.Warnings);
    }

    [Fact]
    public void R2_slerp_reads_layer_gradients_under_filters_and_a_fallback()
    {
        var recipe = MergeRecipe.Parse(ExampleRecipes.R2SlerpGradients);

        Assert.Equal("slerp", recipe.MergeMethod);
        Assert.Equal(Model("./ft-chat"), recipe.BaseModel);
        Assert.Equal(RecipeList.Create<RecipeModel>([Input("./ft-chat"), Input("./ft-code")]), recipe.Models);
        Assert.Equal(
            Settings(("t", Conditional(
                If("self_attn", Gradient(0, 0.5, 0.3, 0.7, 1)),
                If("mlp", Gradient(1, 0.5, 0.7, 0.3, 0)),
                Otherwise(Number(0.5))))),
            recipe.Parameters);
        Assert.Equal("bfloat16", recipe.DType);
        Assert.Empty(recipe.Warnings);
    }

    [Fact]
    public void R3_ties_reads_gradients_scalars_and_conditions_per_model()
    {
        var recipe = MergeRecipe.Parse(ExampleRecipes.R3Ties);

        Assert.Equal("ties", recipe.MergeMethod);
        Assert.Equal(Model("./base"), recipe.BaseModel);
        Assert.Equal(
            RecipeList.Create<RecipeModel>(
            [
                Input("./ft-math", ("density", Gradient(0.7, 0.3)), ("weight", Number(1.0))),
                Input("./ft-code", ("density", Number(0.5)), ("weight", Gradient(0.2, 0.6))),
                Input("./ft-med", ("density", Number(0.4)), ("weight", Conditional(If("mlp", Number(0.8)), Otherwise(Number(0.3))))),
            ]),
            recipe.Models);
        Assert.Equal(Settings(("normalize", Flag(true)), ("lambda", Number(1.0)), ("int8_mask", Flag(true))), recipe.Parameters);
        Assert.Equal("bfloat16", recipe.DType);
        Assert.Empty(recipe.Warnings);
    }

    [Fact]
    public void R4_dare_ties_reads_flow_parameters_and_the_union_tokenizer_with_token_rules_in_order()
    {
        var recipe = MergeRecipe.Parse(ExampleRecipes.R4DareTiesUnionTokenizer);

        Assert.Equal("dare_ties", recipe.MergeMethod);
        Assert.Equal(Model("./base"), recipe.BaseModel);
        Assert.Equal(
            RecipeList.Create<RecipeModel>(
            [
                Input("./ft-a", ("density", Number(0.5)), ("weight", Number(0.5))),
                Input("./ft-b", ("density", Number(0.5)), ("weight", Number(0.5))),
            ]),
            recipe.Models);
        Assert.Equal(Settings(("rescale", Flag(true)), ("normalize", Flag(false))), recipe.Parameters);
        Assert.Null(recipe.TokenizerSource);
        var fromB = new TokenEmbeddingSource.FromModel(Model("./ft-b"));
        Assert.Equal(
            new RecipeTokenizer(
                TokenizerSource.Union,
                new RecipeMap<TokenEmbedding>(
                [
                    KeyValuePair.Create("<|im_start|>", new TokenEmbedding(fromB)),
                    KeyValuePair.Create("<|im_end|>", new TokenEmbedding(fromB, Force: true)),
                ]),
                PadToMultipleOf: 64),
            recipe.Tokenizer);
        Assert.Equal(["<|im_start|>", "<|im_end|>"], recipe.Tokenizer!.Tokens.Keys);
        Assert.Equal("float32", recipe.DType);
        Assert.Equal("bfloat16", recipe.OutDType);
        Assert.Empty(recipe.Warnings);
    }

    [Fact]
    public void R5_passthrough_reads_two_slices_with_source_parameters()
    {
        var recipe = MergeRecipe.Parse(ExampleRecipes.R5PassthroughFrankenmerge);

        Assert.Equal("passthrough", recipe.MergeMethod);
        Assert.Null(recipe.BaseModel);
        Assert.Null(recipe.Models);
        Assert.Equal(
            RecipeList.Create<RecipeSlice>(
            [
                new RecipeSlice([Source("./model-a", 0, 24)], null, NoParameters),
                new RecipeSlice(
                    [Source("./model-b", 16, 32, ("scale", Conditional(If("o_proj", Number(0.5)), If("down_proj", Number(0.5)), Otherwise(Number(1.0)))))],
                    null, NoParameters),
            ]),
            recipe.Slices);
        Assert.Equal([24, 16], recipe.Slices!.Select(s => s.LayerCount));
        Assert.Empty(recipe.Parameters);
        Assert.Equal("bfloat16", recipe.DType);
        Assert.Empty(recipe.Warnings);
    }

    [Fact]
    public void Nuslerp_with_two_weighted_models_and_a_base_is_valid()
    {
        var recipe = MergeRecipe.Parse(ExampleRecipes.NuSlerp);

        Assert.Equal("nuslerp", recipe.MergeMethod);
        Assert.Equal(Model("./base"), recipe.BaseModel);
        Assert.Equal(RecipeList.Create<RecipeModel>([Input("./ft-a", ("weight", Number(0.6))), Input("./ft-b", ("weight", Number(0.4)))]), recipe.Models);
        Assert.Empty(recipe.Parameters);
        Assert.Null(recipe.DType);
    }

    [Fact]
    public void Model_stock_with_a_base_and_parameterless_models_is_valid()
    {
        var recipe = MergeRecipe.Parse(ExampleRecipes.ModelStock);

        Assert.Equal("model_stock", recipe.MergeMethod);
        Assert.Equal(Model("./base"), recipe.BaseModel);
        Assert.Equal(RecipeList.Create<RecipeModel>([Input("./ft-a"), Input("./ft-b"), Input("./ft-c")]), recipe.Models);
        Assert.All(recipe.Models!, m => Assert.Empty(m.Parameters));
        Assert.Empty(recipe.Parameters);
    }

    [Fact]
    public void Della_with_global_density_epsilon_lambda_and_per_model_weights_is_valid()
    {
        var recipe = MergeRecipe.Parse(ExampleRecipes.Della);

        Assert.Equal("della", recipe.MergeMethod);
        Assert.Equal(RecipeList.Create<RecipeModel>([Input("./ft-a", ("weight", Number(0.5))), Input("./ft-b", ("weight", Number(0.3)))]), recipe.Models);
        Assert.Equal(Settings(("density", Number(0.5)), ("epsilon", Number(0.1)), ("lambda", Number(1.1))), recipe.Parameters);
    }

    [Fact]
    public void Anchors_aliases_and_flow_style_read_like_the_expanded_recipe()
    {
        var recipe = MergeRecipe.Parse(ExampleRecipes.AnchorsAndFlow);

        var baseModel = new ModelReference("org/base", Revision: "main");
        var shared = Settings(("weight", Gradient(0.2, 0.5, 1)), ("density", Number(0.5)));
        Assert.Equal(baseModel, recipe.BaseModel);
        Assert.Equal(
            RecipeList.Create<RecipeModel>(
            [
                new RecipeModel(new ModelReference("org/ft-a", "v2", "org/lora-a", "r1"), shared),
                new RecipeModel(Model("./ft-b"), shared),
            ]),
            recipe.Models);
        Assert.Equal(Settings(("normalize", Flag(true)), ("t", Conditional(If("mlp", Number(0.3)), Otherwise(Number(0.7))))), recipe.Parameters);
        Assert.Equal(
            new RecipeTokenizer(
                TokenizerSource.FromModel(baseModel),
                new RecipeMap<TokenEmbedding>(
                [
                    KeyValuePair.Create("<pad>", new TokenEmbedding(new TokenEmbeddingSource.Zero())),
                    KeyValuePair.Create("<s>", new TokenEmbedding(new TokenEmbeddingSource.ModelToken(Model("./ft-b"), null, 1), Force: true)),
                ])),
            recipe.Tokenizer);
        Assert.Equal("{% for m in messages %}{{ m.content }}{% endfor %}", recipe.ChatTemplate);
    }

    [Fact]
    public void Values_keep_their_line_column_and_key_path()
    {
        var recipe = MergeRecipe.Parse(ExampleRecipes.R1LinearSoup);

        var weight = recipe.Models![1].Parameters["weight"];
        Assert.Equal(new RecipeLocation(9, 9, "models[1].parameters.weight"), weight.Location);
        var fallback = ((RecipeValue.Conditional)weight).Conditions[1].Value;
        Assert.Equal(new RecipeLocation(11, 18, "models[1].parameters.weight[1].value"), fallback.Location);
        Assert.Equal(new RecipeLocation(3, 12, "models[0].model"), recipe.Models[0].Model.Location);
        Assert.Equal(new RecipeLocation(1, 15, "merge_method"), recipe.MergeMethodLocation);
    }

    [Fact]
    public void Equality_compares_what_a_recipe_says_not_where_it_says_it()
    {
        var here = MergeRecipe.Parse("merge_method: linear\nmodels:\n  - model: ./a\n    parameters: {weight: 0.5}\n");
        var there = MergeRecipe.Parse("\n\nmerge_method: linear\nmodels: [{model: ./a, parameters: {weight: 0.5}}]\n");

        Assert.Equal(here.Models, there.Models);
        Assert.NotEqual(here.Models![0].Model.Location, there.Models![0].Model.Location);
    }
}
