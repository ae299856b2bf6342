namespace ModelMerge.Formats.Recipes;

/// <summary>
/// Stable ids for recipes that cannot be read (merge-semantics §8). Scripts and the PowerShell
/// layer key on them; the message says what, where and why.
/// </summary>
public static class RecipeErrors
{
    /// <summary>Not well-formed YAML: a scanner or parser error, an undefined alias, a duplicate key.</summary>
    public const string Syntax = "RecipeSyntax";

    /// <summary>Well-formed YAML that does not have the recipe's shape (§8.1): a missing or misplaced key, a wrong kind of value.</summary>
    public const string Schema = "RecipeSchema";

    /// <summary>A model reference that is neither <c>path[@rev][+lora[@rev]]</c> nor its mapping form (§8.1).</summary>
    public const string ModelReference = "RecipeModelReference";

    /// <summary>A slice's layer range that is not <c>[start, end)</c> with 0 ≤ start &lt; end, or sources of unequal length (§7.4).</summary>
    public const string LayerRange = "RecipeLayerRange";

    /// <summary>A <c>dtype</c> or <c>out_dtype</c> other than bfloat16, float16, float32 (§7.1).</summary>
    public const string DType = "RecipeDType";

    /// <summary>Something mergekit reads that ModelMerge does not yet: <c>modules</c> (§7.4), YAML merge keys.</summary>
    public const string Unsupported = "RecipeUnsupported";

    /// <summary>Input over the limits of <see cref="RecipeLimits"/>: recipes come from strangers.</summary>
    public const string TooLarge = "RecipeTooLarge";

    /// <summary>A key the recipe schema does not have: a warning, an error in strict mode (§11, decision 9).</summary>
    public const string UnknownKey = "RecipeUnknownKey";

    /// <summary>A key that is read but has no effect (<c>residual_weight</c>, §7.4); always a warning.</summary>
    public const string UnusedKey = "RecipeUnusedKey";

    /// <summary>The recipe file could not be read at all.</summary>
    public const string Unreadable = "RecipeUnreadable";

    /// <summary>The recipe path names a FIFO, device, socket or folder; the id is the one every reader uses for that.</summary>
    public const string NotARegularFile = Files.FileErrors.NotARegularFile;
}
