using System.Text;
using System.Text.RegularExpressions;
using ModelMerge.Formats;
using ModelMerge.Formats.Folders;
using ModelMerge.Plans.Handles;

namespace ModelMerge.Plans.Export;

/// <summary>
/// The README.md a merged folder carries (merge-semantics §7.6): front matter Hugging Face reads
/// (the inputs' hub ids, tags, library), then what was merged, how, and the recipe.
/// </summary>
public static partial class ModelCard
{
    /// <summary>A hub id as configs record it: owner/name, no path separators beyond the one.</summary>
    [GeneratedRegex(@"^[A-Za-z0-9][\w.-]*/[\w.-]+$")]
    private static partial Regex HubId();

    public static string Write(CheckpointHandle checkpoint, string title)
    {
        var summary = checkpoint.Summary ?? throw new ArgumentException("a stored checkpoint has no merge to describe.", nameof(checkpoint));
        var card = new StringBuilder();
        card.Append("---\n");
        var hubIds = HubIds(checkpoint.InputPaths);
        if (hubIds.Count > 0)
        {
            card.Append("base_model:\n");
            foreach (var id in hubIds) card.Append("- ").Append(id).Append('\n');
        }
        card.Append("library_name: transformers\ntags:\n- modelmerge\n");
        if (summary.RecipeText is not null) card.Append("- mergekit\n");
        card.Append("- merge\n---\n\n");
        card.Append("# ").Append(title).Append("\n\n");
        card.Append("This is a merge of pre-trained language models made with ModelMerge.\n\n## Merge details\n\n### Merge method\n\n");
        string method = summary.Reference is null ? summary.DisplayName : $"[{summary.DisplayName}]({summary.Reference})";
        card.Append("This model was merged with the ").Append(method).Append(" merge method");
        // mergekit's cards leave the base out for slerp, whose "base" is only the t = 0 end.
        if (summary.Base is not null && summary.Method != "slerp") card.Append(" using ").Append(summary.Base).Append(" as a base");
        card.Append(".\n\n### Models merged\n\n");
        foreach (var model in summary.Models.Where(m => m != summary.Base).Distinct()) card.Append("- ").Append(model).Append('\n');
        card.Append("\n### Configuration\n\n");
        if (summary.RecipeText is not null) card.Append("```yaml\n").Append(summary.RecipeText.TrimEnd()).Append("\n```\n");
        else card.Append("```text\n").Append(checkpoint.Description).Append("\n```\n");
        return card.ToString();
    }

    /// <summary>The hub ids the inputs' config.json files name, in input order, each once.</summary>
    private static List<string> HubIds(IEnumerable<string> inputPaths)
    {
        var ids = new List<string>();
        foreach (var path in inputPaths.Order(StringComparer.Ordinal))
        {
            string config = Path.Combine(Directory.Exists(path) ? path : Path.GetDirectoryName(path) ?? ".", ModelConfig.FileName);
            if (!File.Exists(config)) continue;
            try
            {
                if (ModelConfig.Read(config).NameOrPath is string id && HubId().IsMatch(id) && !ids.Contains(id)) ids.Add(id);
            }
            catch (CheckpointFormatException)
            {
                // A config we cannot read names no hub id; the export itself reports invalid configs where they matter.
            }
        }
        return ids;
    }
}
