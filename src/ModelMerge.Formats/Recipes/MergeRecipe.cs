using ModelMerge.Formats.Files;

namespace ModelMerge.Formats.Recipes;

/// <summary>
/// A mergekit recipe (merge-semantics §8), read and checked for structure: which method, which
/// models or output slices, the parameters at every level, dtypes and the tokenizer recipe.
/// Method and parameter names are left to the plan layer, which knows the methods; what is
/// here is only what the YAML says, with every value's position kept for its messages.
/// </summary>
public sealed record MergeRecipe
{
    /// <summary>The method name as written (<c>merge_method</c>); not checked against the registry here.</summary>
    public string MergeMethod { get; init; } = "";

    public RecipeLocation? MergeMethodLocation { get; init; }

    /// <summary>The recipe's base model; a slice's own <see cref="RecipeSlice.BaseModel"/> overrides it there.</summary>
    public ModelReference? BaseModel { get; init; }

    /// <summary>Whole models to merge; exactly one of this and <see cref="Slices"/> is set.</summary>
    public RecipeList<RecipeModel>? Models { get; init; }

    /// <summary>Output slices of layer ranges (§7.4); exactly one of this and <see cref="Models"/> is set.</summary>
    public RecipeList<RecipeSlice>? Slices { get; init; }

    /// <summary>Top-level parameters, the last level of lookup before defaults (§1.3).</summary>
    public RecipeMap<RecipeValue> Parameters { get; init; } = RecipeMap<RecipeValue>.Empty;

    /// <summary><c>dtype</c>: bfloat16, float16 or float32 with any <c>torch.</c> prefix dropped (§7.1).</summary>
    public string? DType { get; init; }

    /// <summary><c>out_dtype</c>, normalized like <see cref="DType"/>.</summary>
    public string? OutDType { get; init; }

    /// <summary>The legacy <c>tokenizer_source</c>; never set together with <see cref="Tokenizer"/> (§7.3).</summary>
    public TokenizerSource? TokenizerSource { get; init; }

    public RecipeTokenizer? Tokenizer { get; init; }

    /// <summary><c>chat_template</c> as written: auto, a built-in name or a Jinja template (§7.3).</summary>
    public string? ChatTemplate { get; init; }

    /// <summary>The recipe text exactly as read; the output folder's <c>mergekit_config.yml</c> is this text (§7.6).</summary>
    public string Text { get; init; } = "";

    /// <summary>The file or the name the text was read under; messages start with it.</summary>
    public string SourceName { get; init; } = DefaultSourceName;

    /// <summary>What was read but ignored: unknown keys, <c>residual_weight</c>.</summary>
    public RecipeList<RecipeWarning> Warnings { get; init; } = RecipeList<RecipeWarning>.Empty;

    /// <summary>The name messages use for text that came without one.</summary>
    public const string DefaultSourceName = "recipe";

    /// <summary>
    /// Reads recipe text. <paramref name="strict"/> makes unknown keys errors instead of
    /// warnings (§11 decision 9).
    /// </summary>
    /// <exception cref="RecipeException">The text is not a valid recipe; no other exception comes out of malformed input.</exception>
    public static MergeRecipe Parse(string text, string? sourceName = null, bool strict = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        return MergeRecipeReader.Read(text, sourceName ?? DefaultSourceName, strict);
    }

    /// <summary>
    /// Reads a recipe file: a regular file (a FIFO or device is refused before it is opened) of at
    /// most <see cref="RecipeLimits.MaxTextLength"/> bytes, refused unread when it is larger.
    /// </summary>
    /// <exception cref="RecipeException">
    /// The file cannot be read (<see cref="RecipeErrors.Unreadable"/>), is not a regular file
    /// (<see cref="RecipeErrors.NotARegularFile"/>), is too large (<see cref="RecipeErrors.TooLarge"/>) or is not a valid recipe.
    /// </exception>
    public static MergeRecipe Load(string path, bool strict = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = RegularFile.ReadAllText(path, RecipeLimits.MaxTextLength, "a recipe");
        }
        catch (CheckpointFormatException ex) when (ex.ErrorId == FileErrors.TooLarge)
        {
            throw new RecipeException(RecipeErrors.TooLarge, path, null,
                $"the recipe file is {FileLength.Of(path)} bytes; at most {RecipeLimits.MaxTextLength} (1 MiB) are read", ex);
        }
        catch (CheckpointFormatException ex)
        {
            throw new RecipeException(RecipeErrors.NotARegularFile, path, null, $"cannot read the recipe: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new RecipeException(RecipeErrors.Unreadable, path, null, $"cannot read the recipe: {ex.Message}", ex);
        }
        return MergeRecipeReader.Read(text, path, strict);
    }
}
