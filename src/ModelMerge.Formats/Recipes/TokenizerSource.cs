namespace ModelMerge.Formats.Recipes;

/// <summary>What an output vocabulary is built from (merge-semantics §7.3).</summary>
public enum TokenizerSourceKind
{
    /// <summary>The base model's tokenizer (no base: the first model's).</summary>
    Base,

    /// <summary>The base tokenizer extended with every other model's tokens.</summary>
    Union,

    /// <summary>One named model's tokenizer.</summary>
    Model,
}

/// <summary>
/// <c>base</c>, <c>union</c> or a model reference, as <c>tokenizer_source</c> and
/// <c>tokenizer.source</c> write it (§7.3). The words win over a model of that name, as in
/// mergekit.
/// </summary>
public sealed record TokenizerSource
{
    private TokenizerSource(TokenizerSourceKind kind, ModelReference? model)
    {
        Kind = kind;
        Model = model;
    }

    public static TokenizerSource Base { get; } = new(TokenizerSourceKind.Base, null);

    public static TokenizerSource Union { get; } = new(TokenizerSourceKind.Union, null);

    public static TokenizerSource FromModel(ModelReference model) => new(TokenizerSourceKind.Model, model);

    public TokenizerSourceKind Kind { get; }

    /// <summary>The model whose tokenizer is used; set only for <see cref="TokenizerSourceKind.Model"/>.</summary>
    public ModelReference? Model { get; }

    public override string ToString() => Kind switch
    {
        TokenizerSourceKind.Base => "base",
        TokenizerSourceKind.Union => "union",
        _ => Model!.ToString(),
    };
}
