namespace ModelMerge.Formats.Recipes;

/// <summary>
/// The <c>tokenizer:</c> block (merge-semantics §7.3): where the output vocabulary comes from
/// (<c>union</c> when not said), per-token embedding rules in the order written (tokens still
/// missing are appended in that order), and an optional multiple to pad the vocabulary to.
/// </summary>
public sealed record RecipeTokenizer(TokenizerSource Source, RecipeMap<TokenEmbedding> Tokens, int? PadToMultipleOf = null);

/// <summary>
/// How one token's embedding row is made (§7.3): from <see cref="Source"/>, or by the default
/// rule when it is null; <see cref="Force"/> applies it even to models that have the token.
/// </summary>
public sealed record TokenEmbedding(TokenEmbeddingSource? Source, bool Force = false);

/// <summary>The <c>source</c> of a token's embedding (§7.3): a model, another token of a model, or zeros.</summary>
public abstract record TokenEmbeddingSource
{
    private protected TokenEmbeddingSource() { }

    /// <summary>The same token's row in <paramref name="Model"/>.</summary>
    public sealed record FromModel(ModelReference Model) : TokenEmbeddingSource;

    /// <summary>
    /// <c>{kind: model_token}</c>: the row of another token of <paramref name="Model"/>, named by
    /// its text in that model's vocabulary or by its id (exactly one of the two).
    /// </summary>
    public sealed record ModelToken(ModelReference Model, string? Token, int? TokenId) : TokenEmbeddingSource;

    /// <summary><c>{kind: zero}</c>: a row of zeros.</summary>
    public sealed record Zero : TokenEmbeddingSource;
}
