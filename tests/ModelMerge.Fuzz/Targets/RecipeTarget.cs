using System.Runtime.InteropServices;
using System.Text;
using ModelMerge.Formats.Recipes;
using ModelMerge.Fuzz.Harness;

namespace ModelMerge.Fuzz.Targets;

/// <summary>
/// <see cref="MergeRecipe.Parse"/> on generated recipe text, strict and lenient alike, and for
/// one case in thirty-two <see cref="MergeRecipe.Load"/> on the text written to a reused file.
/// Documented failure: <see cref="RecipeException"/> with an id of <see cref="RecipeErrors"/>
/// and a message that starts with the source name. A recipe that reads has a method and
/// exactly one of models and slices, and keeps its text.
/// </summary>
public sealed class RecipeTarget : FuzzTarget
{
    public const string TargetName = "recipe";
    private const string SourceName = "fuzz.yml";

    private static readonly IReadOnlySet<string> Ids = ErrorIds.Declared(typeof(RecipeErrors));

    private readonly FuzzFolder _folder = new("recipe");
    private readonly string _file;

    public RecipeTarget() => _file = _folder.Combine(SourceName);

    public override string Name => TargetName;

    public override FuzzCase Prepare(Random random)
    {
        string text = RecipeGenerator.Generate(random);
        bool strict = random.Next(2) == 0;
        // The UTF-16 code units as they are: any encoder would replace a lone surrogate, and the saved file would not be the input.
        byte[] saved = [.. Encoding.Unicode.GetPreamble(), .. MemoryMarshal.AsBytes(text.AsSpan())];
        string note = $"UTF-16 text; MergeRecipe.{{0}}(strict: {(strict ? "true" : "false")})";
        if (random.Next(32) == 0)
        {
            File.WriteAllBytes(_file, Encoding.UTF8.GetBytes(text));
            string written = File.ReadAllText(_file);
            return new FuzzCase(saved, ".yml", () => Check(MergeRecipe.Load(_file, strict), written, _file), string.Format(note, "Load"));
        }
        return new FuzzCase(saved, ".yml", () => Check(MergeRecipe.Parse(text, SourceName, strict), text, SourceName), string.Format(note, "Parse"));
    }

    private static void Check(MergeRecipe recipe, string text, string source)
    {
        InvariantViolation.Check(recipe.MergeMethod.Trim().Length > 0, "recipe: the merge method is blank");
        InvariantViolation.Check(recipe.Models is null != recipe.Slices is null, "recipe: not exactly one of models and slices");
        InvariantViolation.Check(recipe.Text == text && recipe.SourceName == source, "recipe: the text or the source name was not kept");
    }

    public override string? Undocumented(Exception exception) => exception switch
    {
        RecipeException { ErrorId: var id } when !Ids.Contains(id) => $"error id '{id}' is not one of RecipeErrors",
        RecipeException ex when !ex.Message.StartsWith(ex.SourceName, StringComparison.Ordinal) || (ex.SourceName != SourceName && ex.SourceName != _file) =>
            $"the message does not start with the source name: {ex.Message}",
        RecipeException => null,
        _ => $"{exception.GetType().Name} is not the documented RecipeException",
    };

    public override void Dispose()
    {
        _folder.Dispose();
        base.Dispose();
    }
}
