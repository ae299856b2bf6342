using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ModelMerge.Formats.Recipes;

/// <summary>
/// Turns recipe text into YamlDotNet's representation model, behind <see cref="YamlEventGuard"/>,
/// so that every node keeps its line and column. Whatever YamlDotNet throws comes out as a
/// <see cref="RecipeErrors.Syntax"/> error: the reader's promise is that malformed input
/// produces a <see cref="RecipeException"/> and nothing else.
/// </summary>
internal static class RecipeDocument
{
    public static RecipeNode LoadRoot(string text, RecipeContext context)
    {
        if (text.Length > RecipeLimits.MaxTextLength)
            throw context.Error(RecipeErrors.TooLarge, null,
                $"the recipe is {text.Length} characters long; at most {RecipeLimits.MaxTextLength} (1 MiB) are read");

        // A byte order mark left on text decoded elsewhere would otherwise become part of the first key.
        string yaml = text.StartsWith('\uFEFF') ? text[1..] : text;
        var guard = new YamlEventGuard(new Parser(new StringReader(yaml)), context);
        var stream = new YamlStream();
        try
        {
            stream.Load(guard);
        }
        catch (RecipeException)
        {
            throw;
        }
        catch (YamlException ex)
        {
            var at = ex.Start.Line > 0 ? ex.Start : guard.LastMark;
            if (ex.Message.Contains("tab", StringComparison.OrdinalIgnoreCase)) at = FirstTabIndent(yaml, at);
            throw context.Error(RecipeErrors.Syntax, Location(at, guard.CurrentPath()), $"not valid YAML: {Describe(ex)}");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // YamlDotNet is not meant to throw anything else; if an input finds a way, it is still the input's fault.
            throw context.Error(RecipeErrors.Syntax, Location(guard.LastMark, guard.CurrentPath()), $"not valid YAML: the YAML reader failed ({ex.GetType().Name}: {ex.Message})");
        }

        if (stream.Documents.Count == 0)
            throw context.Error(RecipeErrors.Schema, RecipeLocation.Start, "the recipe is empty; it needs at least merge_method and models or slices");
        return new RecipeNode(context, stream.Documents[0].RootNode, "");
    }

    private static RecipeLocation Location(Mark at, string path) =>
        new(checked((int)Math.Max(1, at.Line)), checked((int)Math.Max(1, at.Column)), path);

    private static string Describe(YamlException ex)
    {
        string message = ex.Message.TrimEnd('.');
        return message.Length == 0 ? ex.GetType().Name : char.ToLowerInvariant(message[0]) + message[1..];
    }

    /// <summary>
    /// YamlDotNet reports a tab in indentation at the start of the enclosing mapping; the user
    /// needs the tab itself, the first one that indents a line from there on.
    /// </summary>
    private static Mark FirstTabIndent(string text, Mark from)
    {
        var lines = text.Split('\n');
        for (long line = Math.Max(1, from.Line); line <= lines.Length; line++)
        {
            string content = lines[line - 1];
            for (int i = 0; i < content.Length && content[i] is ' ' or '\t'; i++)
                if (content[i] == '\t') return new Mark(0, line, i + 1);
        }
        return from;
    }
}
