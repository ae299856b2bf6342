namespace ModelMerge.Formats.Recipes;

/// <summary>
/// Reads the top level of a recipe (merge-semantics §8.1) and checks what spans several keys:
/// exactly one of <c>models</c> / <c>slices</c> (<c>modules</c> is refused for now, §7.4), not
/// both <c>tokenizer_source</c> and <c>tokenizer</c> (§7.3), dtype names (§7.1). Method and
/// parameter names are not checked: the formats layer knows no methods.
/// </summary>
internal static class MergeRecipeReader
{
    private static readonly string[] TopLevelKeys =
    [
        "merge_method", "base_model", "models", "slices", "modules", "parameters",
        "dtype", "out_dtype", "tokenizer_source", "tokenizer", "chat_template",
    ];

    private static readonly string[] DTypeNames = ["bfloat16", "float16", "float32"];

    public static MergeRecipe Read(string text, string sourceName, bool strict)
    {
        var context = new RecipeContext(sourceName, strict);
        var root = RecipeDocument.LoadRoot(text, context);
        if (root.IsNull) throw root.Error(RecipeErrors.Schema, "the recipe is empty; it needs at least merge_method and models or slices");
        if (!root.IsMapping)
            throw root.Error(RecipeErrors.Schema, $"a recipe is a mapping of keys such as merge_method and models, found {root.Describe()}");
        var top = root.Mapping(RecipeErrors.Schema, "the recipe", TopLevelKeys);

        if (top.Optional("modules") is not null)
            throw context.Error(RecipeErrors.Unsupported, top.KeyLocation("modules"),
                "modules are not supported yet; write the recipe with models: or slices:");

        string mergeMethod = top.Required("merge_method", RecipeErrors.Schema, "a merge method name")
            .Text(RecipeErrors.Schema, "a merge method name");
        var methodLocation = top.Optional("merge_method")!.Location;
        if (mergeMethod.Trim().Length == 0) throw context.Error(RecipeErrors.Schema, methodLocation, "the merge method name is empty");

        var (models, slices) = ReadInputs(top, context);

        var tokenizerSourceNode = top.Optional("tokenizer_source");
        var tokenizerNode = top.Optional("tokenizer");
        if (tokenizerSourceNode is not null && tokenizerNode is not null)
        {
            var second = Later(top.KeyLocation("tokenizer_source"), top.KeyLocation("tokenizer"));
            throw context.Error(RecipeErrors.Schema, second,
                "tokenizer_source and tokenizer cannot both be given; tokenizer_source is the legacy spelling of tokenizer.source");
        }

        return new MergeRecipe
        {
            MergeMethod = mergeMethod,
            MergeMethodLocation = methodLocation,
            BaseModel = ModelReferenceReader.ReadOptional(top.Optional("base_model")),
            Models = models,
            Slices = slices,
            Parameters = RecipeValueReader.ReadParameters(top.Optional("parameters")),
            DType = ReadDType(top.Optional("dtype")),
            OutDType = ReadDType(top.Optional("out_dtype")),
            TokenizerSource = tokenizerSourceNode is null ? null : TokenizerReader.ReadSource(tokenizerSourceNode),
            Tokenizer = tokenizerNode is null ? null : TokenizerReader.Read(tokenizerNode),
            ChatTemplate = top.Optional("chat_template")?.Text(RecipeErrors.Schema, "auto, a template name or a Jinja template"),
            Text = text,
            SourceName = sourceName,
            Warnings = new RecipeList<RecipeWarning>(context.Warnings),
        };
    }

    private static (RecipeList<RecipeModel>? Models, RecipeList<RecipeSlice>? Slices) ReadInputs(RecipeMapping top, RecipeContext context)
    {
        var modelsNode = top.Optional("models");
        var slicesNode = top.Optional("slices");
        if (modelsNode is not null && slicesNode is not null)
            throw context.Error(RecipeErrors.Schema, Later(top.KeyLocation("models"), top.KeyLocation("slices")),
                "models and slices cannot both be given; a recipe merges whole models or output slices, not both");
        if (modelsNode is null && slicesNode is null)
            throw context.Error(RecipeErrors.Schema, top.Location, "the recipe needs models (whole models to merge) or slices (layer ranges)");
        return modelsNode is not null ? (ReadModels(modelsNode), null) : (null, SliceReader.Read(slicesNode!));
    }

    private static RecipeList<RecipeModel> ReadModels(RecipeNode node) =>
        new(node.Sequence(RecipeErrors.Schema, "a list of models (each '- model: ...')").Select(item =>
        {
            if (!item.IsMapping)
                throw item.Error(RecipeErrors.Schema, $"expected a model entry (- model: <reference>), found {item.Describe()}");
            var entry = item.Mapping(RecipeErrors.Schema, "a model entry", "model", "parameters");
            var model = ModelReferenceReader.Read(entry.Required("model", RecipeErrors.ModelReference, "a model reference"));
            return new RecipeModel(model, RecipeValueReader.ReadParameters(entry.Optional("parameters")));
        }));

    /// <summary>§7.1: bfloat16, float16 or float32, with an optional <c>torch.</c> prefix, as mergekit's dtype_from_name.</summary>
    private static string? ReadDType(RecipeNode? node)
    {
        if (node is null) return null;
        string name = node.Text(RecipeErrors.DType, "a dtype name (bfloat16, float16 or float32)");
        string bare = name.StartsWith("torch.", StringComparison.Ordinal) ? name["torch.".Length..] : name;
        if (Array.IndexOf(DTypeNames, bare) < 0)
            throw node.Error(RecipeErrors.DType, $"'{YamlScalar.Shorten(name)}' is not a dtype a recipe accepts; use bfloat16, float16 or float32 (a torch. prefix is allowed)");
        return bare;
    }

    private static RecipeLocation Later(RecipeLocation a, RecipeLocation b) =>
        (a.Line, a.Column).CompareTo((b.Line, b.Column)) >= 0 ? a : b;
}
