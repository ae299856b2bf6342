using ModelMerge.Formats;
using ModelMerge.Formats.Recipes;
using ModelMerge.Methods;
using ModelMerge.Methods.Framework;
using ModelMerge.Plans.Handles;
using ModelMerge.Plans.Parameters;

namespace ModelMerge.Plans.Recipes;

/// <summary>
/// A mergekit recipe as one lazy checkpoint: the method from the registry, the models opened
/// (headers only), every parameter at the level the recipe gives it, slices merged and stacked,
/// the written dtype from out_dtype or dtype. Everything a recipe asks that ModelMerge cannot
/// do is refused here, naming the line, before any tensor is read.
/// </summary>
public static class RecipePlan
{
    public const string UnknownMethod = "UnknownMergeMethod";
    public const string Unsupported = "RecipeUnsupported";
    public const string UnknownParameter = "RecipeUnknownParameter";

    /// <param name="open">Opens a model reference's path (relative paths as the caller's location resolves them).</param>
    /// <param name="strict">Parameters no method reads are errors, not warnings (§11 decision 9).</param>
    public static CheckpointHandle Build(MergeRecipe recipe, Func<string, CheckpointHandle> open, ulong seed = 0, bool strict = false, Action<string>? warn = null)
    {
        foreach (var warning in recipe.Warnings) warn?.Invoke($"{recipe.SourceName}:{warning.Location}: {warning.Message}");
        var method = MergeMethods.Find(recipe.MergeMethod)
            ?? throw Refusal(recipe, UnknownMethod, recipe.MergeMethodLocation,
                $"'{recipe.MergeMethod}' is not a merge method; use one of {string.Join(", ", MergeMethods.Names)}");
        RefuseWhatIsNotSupported(recipe);
        if (strict) RefuseUnknownParameters(recipe, method);

        var models = new Dictionary<string, CheckpointHandle>(StringComparer.Ordinal);
        CheckpointHandle Open(ModelReference reference)
        {
            if (reference.HasLora)
                throw Refusal(recipe, Unsupported, reference.Location, $"'{reference}' merges a LoRA adapter into its model, which recipes cannot do yet");
            if (reference.Revision is not null)
                warn?.Invoke($"{recipe.SourceName}:{reference.Location}: revision '{reference.Revision}' of '{reference.Path}' is ignored; the folder is read as it is.");
            if (!models.TryGetValue(reference.Path, out var handle)) models[reference.Path] = handle = open(reference.Path);
            return handle;
        }

        var baseModel = recipe.BaseModel is null ? null : Open(recipe.BaseModel);
        var template = new MergeRequest(method, [])
        {
            Base = baseModel,
            Settings = RecipeSettings.From(recipe.Parameters, recipe.SourceName),
            Seed = seed,
        };
        CheckpointHandle merged;
        if (recipe.Slices is { } slices)
        {
            var built = slices.Select(slice => new MergeSlice(slice.Sources
                    .Select(s => new SliceSource(Open(s.Model), s.LayerStart, s.LayerEnd, RecipeSettings.From(s.Parameters, recipe.SourceName))).ToList())
                {
                    Base = slice.BaseModel is null ? null : Open(slice.BaseModel),
                    Settings = RecipeSettings.From(slice.Parameters, recipe.SourceName),
                }).ToList();
            merged = SliceMerge.Build(template, built, warn);
        }
        else
        {
            var inputs = new List<MergeInput>();
            foreach (var model in recipe.Models!)
            {
                var handle = Open(model.Model);
                // The base listed among the models is the base, unless the method takes it as one more model (§1.4).
                if (baseModel is not null && ReferenceEquals(handle, baseModel) && method.BaseModel != BaseModelUse.Input) continue;
                inputs.Add(MergeInput.Of(handle, RecipeSettings.From(model.Parameters, recipe.SourceName)));
            }
            merged = MethodMerge.Build(template with { Inputs = inputs }, warn);
        }
        var written = WrittenType(recipe);
        var result = written is DType dtype ? merged.WithOutputDType(dtype) : merged;
        return result.WithSummary(result.Summary! with { RecipeText = recipe.Text });
    }

    /// <summary>§7.1: out_dtype, else dtype, else each tensor's stored type. Computing is float32 whatever dtype says.</summary>
    private static DType? WrittenType(MergeRecipe recipe) => (recipe.OutDType ?? recipe.DType) switch
    {
        "bfloat16" => DType.BF16,
        "float16" => DType.F16,
        "float32" => DType.F32,
        _ => null,
    };

    private static void RefuseWhatIsNotSupported(MergeRecipe recipe)
    {
        // The base's tokenizer is what an export copies anyway; anything else needs a tokenizer built, which is not here yet.
        if (recipe.TokenizerSource is { Kind: not TokenizerSourceKind.Base } || recipe.Tokenizer is not null)
            throw Refusal(recipe, Unsupported, null,
                "building a tokenizer (tokenizer_source union or a model, or tokenizer:) is not supported yet; remove it to keep the base model's tokenizer");
        if (recipe.ChatTemplate is not null)
            throw Refusal(recipe, Unsupported, null, "chat_template is not supported yet; remove it to keep the base model's template");
    }

    private static void RefuseUnknownParameters(MergeRecipe recipe, MergeMethod method)
    {
        IEnumerable<(string Name, RecipeValue Value)> All()
        {
            foreach (var (name, value) in recipe.Parameters) yield return (name, value);
            foreach (var model in recipe.Models ?? RecipeList<RecipeModel>.Empty)
                foreach (var (name, value) in model.Parameters) yield return (name, value);
            foreach (var slice in recipe.Slices ?? RecipeList<RecipeSlice>.Empty)
            {
                foreach (var (name, value) in slice.Parameters) yield return (name, value);
                foreach (var source in slice.Sources)
                    foreach (var (name, value) in source.Parameters) yield return (name, value);
            }
        }
        foreach (var (name, value) in All())
            if (method.FindParameter(name) is null)
                throw Refusal(recipe, UnknownParameter, value.Location,
                    $"parameter {name} is not used by {method.Name}, which reads {string.Join(", ", method.Parameters.Select(p => p.Name))}");
    }

    private static RecipeException Refusal(MergeRecipe recipe, string id, RecipeLocation? location, string reason) =>
        new(id, recipe.SourceName, location, reason);
}
