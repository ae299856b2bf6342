using ModelMerge.Formats.Recipes;
using static ModelMerge.Tests.Formats.Recipes.ExpectedRecipe;

namespace ModelMerge.Tests.Formats.Recipes;

/// <summary>tokenizer_source, tokenizer and chat_template (merge-semantics §7.3), read for their shape only.</summary>
public sealed class TokenizerRecipeTests
{
    private const string Head = "merge_method: linear\nmodels:\n  - model: ./a\n";

    [Theory]
    [InlineData("base", TokenizerSourceKind.Base)]
    [InlineData("union", TokenizerSourceKind.Union)]
    [InlineData("org/chat@main", TokenizerSourceKind.Model)]
    public void Tokenizer_source_is_base_union_or_a_model(string text, TokenizerSourceKind kind)
    {
        var source = MergeRecipe.Parse(Head + $"tokenizer_source: {text}\n").TokenizerSource!;

        Assert.Equal(kind, source.Kind);
        Assert.Equal(text, source.ToString());
        if (kind == TokenizerSourceKind.Model) Assert.Equal(new ModelReference("org/chat", "main"), source.Model);
        else Assert.Null(source.Model);
    }

    [Fact]
    public void Tokenizer_source_defaults_to_union_and_tokens_to_none()
    {
        var tokenizer = MergeRecipe.Parse(Head + "tokenizer: {}\n").Tokenizer;

        Assert.Equal(new RecipeTokenizer(TokenizerSource.Union, RecipeMap<TokenEmbedding>.Empty), tokenizer);
    }

    [Fact]
    public void Token_rules_read_every_source_kind_and_force()
    {
        var tokenizer = MergeRecipe.Parse(Head + """
            tokenizer:
              source: {model: {path: org/chat}}
              tokens:
                <|a|>:
                  source: {kind: model_token, model: ./a, token: "<|im_start|>"}
                <|b|>: {source: {kind: model_token, model: ./a, token_id: 7}, force: yes}
                <|c|>: {source: {kind: zero}, force: 0}
                <|d|>: {}
                <|e|>: {source: {model: {path: ./b}}}
            """).Tokenizer;

        Assert.Equal(
            new RecipeTokenizer(
                TokenizerSource.FromModel(Model("org/chat")),
                new RecipeMap<TokenEmbedding>(
                [
                    KeyValuePair.Create("<|a|>", new TokenEmbedding(new TokenEmbeddingSource.ModelToken(Model("./a"), "<|im_start|>", null))),
                    KeyValuePair.Create("<|b|>", new TokenEmbedding(new TokenEmbeddingSource.ModelToken(Model("./a"), null, 7), Force: true)),
                    KeyValuePair.Create("<|c|>", new TokenEmbedding(new TokenEmbeddingSource.Zero())),
                    KeyValuePair.Create("<|d|>", new TokenEmbedding(null)),
                    KeyValuePair.Create("<|e|>", new TokenEmbedding(new TokenEmbeddingSource.FromModel(Model("./b")))),
                ])),
            tokenizer);
    }

    [Fact]
    public void Chat_template_is_kept_as_written()
    {
        Assert.Equal("chatml", MergeRecipe.Parse(Head + "chat_template: chatml\n").ChatTemplate);
    }

    [Fact]
    public void Tokenizer_source_and_tokenizer_together_are_refused_at_the_later_one()
    {
        var ex = RecipeRefusal.Of(Head + "tokenizer:\n  source: union\ntokenizer_source: base\n", RecipeErrors.Schema, 6, 1, "tokenizer_source");

        Assert.Contains("cannot both be given", ex.Reason);
    }

    [Theory]
    [InlineData("tokenizer: {pad_to_multiple_of: 0}", 4, 33, "tokenizer.pad_to_multiple_of", "out of range")]
    [InlineData("tokenizer: {pad_to_multiple_of: 6.4}", 4, 33, "tokenizer.pad_to_multiple_of", "not a whole number")]
    [InlineData("tokenizer: {tokens: {x: {force: maybe}}}", 4, 33, "tokenizer.tokens.x.force", "true or false")]
    [InlineData("tokenizer: {tokens: {x: {source: {kind: one}}}}", 4, 41, "tokenizer.tokens.x.source.kind", "kind 'one' is not known")]
    [InlineData("tokenizer: {tokens: {x: {source: {kind: zero, model: ./a}}}}", 4, 47, "tokenizer.tokens.x.source.model", "takes no 'model'")]
    [InlineData("tokenizer: {tokens: {x: {source: {kind: model_token, model: ./a}}}}", 4, 34, "tokenizer.tokens.x.source", "needs token or token_id")]
    [InlineData("tokenizer: {tokens: {x: {source: {kind: model_token, model: ./a, token: y, token_id: 1}}}}", 4, 34, "tokenizer.tokens.x.source", "not both")]
    [InlineData("tokenizer: {tokens: {x: {source: {kind: model_token, model: ./a, token_id: -1}}}}", 4, 76, "tokenizer.tokens.x.source.token_id", "out of range")]
    [InlineData("tokenizer: {tokens: {x: 1}}", 4, 25, "tokenizer.tokens.x", "embedding rule")]
    [InlineData("tokenizer: {tokens: {'': {}}}", 4, 22, "tokenizer.tokens['']", "needs its text")]
    [InlineData("tokenizer: [union]", 4, 12, "tokenizer", "found a list")]
    public void Malformed_tokenizer_blocks_are_refused(string yaml, int line, int column, string path, string why)
    {
        var ex = RecipeRefusal.Of(Head + yaml + "\n", RecipeErrors.Schema, line, column, path);

        Assert.Contains(why, ex.Reason);
    }

    [Fact]
    public void A_model_token_without_a_model_is_a_model_reference_error()
    {
        RecipeRefusal.Of(Head + "tokenizer: {tokens: {x: {source: {kind: model_token, token: y}}}}\n", RecipeErrors.ModelReference, 4, 34, "tokenizer.tokens.x.source");
    }
}
