using YamlDotNet.RepresentationModel;

namespace ModelMerge.Formats.Recipes;

/// <summary>
/// Reads <c>tokenizer_source</c> and the <c>tokenizer:</c> block (merge-semantics §7.3) into
/// their shapes; building the vocabulary is later work and not this reader's.
/// </summary>
internal static class TokenizerReader
{
    /// <summary><c>base</c>, <c>union</c>, or a model reference in either form.</summary>
    public static TokenizerSource ReadSource(RecipeNode node)
    {
        if (!node.IsMapping && !node.IsSequence)
        {
            switch (node.Text(RecipeErrors.Schema, "base, union or a model reference"))
            {
                case "base": return TokenizerSource.Base;
                case "union": return TokenizerSource.Union;
            }
        }
        return TokenizerSource.FromModel(ModelReferenceReader.Read(node));
    }

    public static RecipeTokenizer Read(RecipeNode node)
    {
        var mapping = node.Mapping(RecipeErrors.Schema, "a tokenizer (source, tokens, pad_to_multiple_of)", "source", "tokens", "pad_to_multiple_of");
        var source = mapping.Optional("source") is { } sourceNode ? ReadSource(sourceNode) : TokenizerSource.Union;
        var tokens = RecipeMap<TokenEmbedding>.Empty;
        if (mapping.Optional("tokens") is { } tokensNode)
        {
            var entries = new List<KeyValuePair<string, TokenEmbedding>>();
            foreach (var (token, keyLocation, rule) in tokensNode.Mapping(RecipeErrors.Schema, "a mapping of token texts to embedding rules", knownKeys: null).Entries)
            {
                if (token.Length == 0) throw node.Context.Error(RecipeErrors.Schema, keyLocation, "a token needs its text");
                entries.Add(new(token, ReadEmbedding(rule)));
            }
            tokens = new RecipeMap<TokenEmbedding>(entries);
        }
        int? padTo = mapping.Optional("pad_to_multiple_of")?.Integer(RecipeErrors.Schema, "pad_to_multiple_of (a positive whole number)", minimum: 1);
        return new RecipeTokenizer(source, tokens, padTo);
    }

    private static TokenEmbedding ReadEmbedding(RecipeNode node)
    {
        var mapping = node.Mapping(RecipeErrors.Schema, "a token's embedding rule (source, force)", "source", "force");
        var source = mapping.Optional("source") is { } sourceNode ? ReadEmbeddingSource(sourceNode) : null;
        bool force = mapping.Optional("force")?.Boolean(RecipeErrors.Schema, "force") ?? false;
        return new TokenEmbedding(source, force);
    }

    /// <summary>A model reference, or a mapping whose <c>kind</c> says model_token or zero; without <c>kind</c> a mapping is a model reference.</summary>
    private static TokenEmbeddingSource ReadEmbeddingSource(RecipeNode node)
    {
        if (node.Yaml is not YamlMappingNode yaml || !yaml.Children.Keys.Any(key => key is YamlScalarNode { Value: "kind" }))
            return new TokenEmbeddingSource.FromModel(ModelReferenceReader.Read(node));

        var mapping = node.Mapping(RecipeErrors.Schema, "a token embedding source", "kind", "model", "token", "token_id");
        var kindNode = mapping.Required("kind", RecipeErrors.Schema, "model_token or zero");
        switch (kindNode.Text(RecipeErrors.Schema, "model_token or zero"))
        {
            case "zero":
                foreach (var key in new[] { "model", "token", "token_id" })
                    if (mapping.Has(key)) throw node.Context.Error(RecipeErrors.Schema, mapping.KeyLocation(key), $"a zero embedding takes no '{key}'");
                return new TokenEmbeddingSource.Zero();
            case "model_token":
                var model = ModelReferenceReader.Read(mapping.Required("model", RecipeErrors.ModelReference, "the model whose token is copied"));
                string? token = mapping.Optional("token")?.OptionalText(RecipeErrors.Schema, "a token's text");
                int? tokenId = mapping.Optional("token_id")?.Integer(RecipeErrors.Schema, "token_id (a token id)", minimum: 0);
                if ((token is null) == (tokenId is null))
                    throw node.Error(RecipeErrors.Schema, token is null ? "a model_token source needs token or token_id" : "a model_token source takes token or token_id, not both");
                return new TokenEmbeddingSource.ModelToken(model, token, tokenId);
            case var other:
                throw kindNode.Error(RecipeErrors.Schema, $"kind '{YamlScalar.Shorten(other)}' is not known; expected model_token or zero");
        }
    }
}
