using System.Text.RegularExpressions;
using ModelMerge.Formats.Folders;

namespace ModelMerge.Plans.Export;

/// <summary>
/// What is at an export's target already. -Force replaces only what is recognisably an earlier export: a folder
/// holding a checkpoint (model.safetensors, or shards and their index) and only the files an export writes beside
/// it, or an empty folder. Anything else would be someone's data, so it is refused, saying what is in the way.
/// </summary>
internal sealed partial class ExistingOutput
{
    private const int NamesShown = 5;

    private static readonly HashSet<string> Companions = new(
        [.. CompanionFiles.Copied, "config.json", "README.md", "mergekit_config.yml", "model.safetensors.index.json"], StringComparer.Ordinal);

    private ExistingOutput(string path, IReadOnlyList<string> files)
    {
        Path = path;
        Files = files;
    }

    public string Path { get; }

    /// <summary>The files -Force would delete, weights first.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>What replacing it means, for -WhatIf and -Confirm.</summary>
    public string Description => Files.Count == 0
        ? $"replacing the empty folder '{Path}'"
        : $"replacing the existing checkpoint '{Path}' ({Files.Count} files: {Listed(Files)})";

    /// <summary>True when anything is at <paramref name="full"/>, a link to nothing included.</summary>
    public static bool Occupies(string full) => File.Exists(full) || Directory.Exists(full) || new FileInfo(full).LinkTarget is not null;

    /// <summary>
    /// The earlier export at <paramref name="full"/>, which -Force may replace; throws OutputNotReplaceable for anything
    /// else there, and for the current location (<paramref name="workingFolders"/>) or a folder holding it.
    /// </summary>
    public static ExistingOutput Replaceable(string full, IEnumerable<string> workingFolders)
    {
        var info = new DirectoryInfo(full);
        if (info.LinkTarget is string link)
            throw Refuse(full, $"'{full}' is a link to '{link}': replacing it would replace the link, not what it leads to. "
                + "Export to the folder it leads to, or remove the link first.");
        if (!info.Exists)
            throw Refuse(full, $"'{full}' is a file, not an earlier export; -Force replaces only an exported checkpoint folder. "
                + "Move the file away or choose another path.");
        if (FileIdentity.Of(full) is { } identity
            && workingFolders.FirstOrDefault(folder => FileIdentity.SelfAndAncestors(folder).Contains(identity)) is string working)
            throw Refuse(full, $"'{full}' is the current location '{working}' or a folder holding it; -Force never deletes the folder you are working in. "
                + "Export to a new folder, or change location first.");
        if (PinnedFiles.Why(full) is string pinned)
            throw Refuse(full, $"'{full}' is {pinned}, so it cannot be moved aside or deleted. Nothing was replaced; choose another path, "
                + (pinned.StartsWith("a mount", StringComparison.Ordinal) ? "or export into a folder inside it." : "or clear the attribute (chattr -i/-a) first."));

        var entries = info.EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.OrdinalIgnoreCase).ToList();
        var foreign = entries.Where(e => !IsExportFile(e)).Select(e => e is DirectoryInfo && e.LinkTarget is null ? e.Name + "/" : e.Name).ToList();
        if (foreign.Count > 0)
            throw Refuse(full, $"'{full}' holds what is not an earlier export: {Listed(foreign)} ({entries.Count} entries in all); -Force replaces only "
                + "a folder holding a checkpoint (model.safetensors, or its shards and model.safetensors.index.json) and the files an export writes beside it. "
                + "Move them away or choose another path.");
        var names = entries.Select(e => e.Name).ToList();
        if (names.Count > 0 && !names.Any(IsWeights))
            throw Refuse(full, $"'{full}' holds no checkpoint, only {Listed(names)}; -Force replaces only an earlier export. Move them away or choose another path.");
        var stuck = entries.Select(e => (e.Name, Why: PinnedFiles.Why(e.FullName))).Where(e => e.Why is not null).ToList();
        if (stuck.Count > 0)
            throw Refuse(full, $"'{full}' holds files that cannot be deleted: {Listed(stuck.Select(e => $"{e.Name} ({e.Why})").ToList())}. "
                + "Nothing was replaced; clear the attribute (chattr -i/-a) first, or choose another path.");
        return new ExistingOutput(full, [.. names.Where(IsWeights), .. names.Where(n => !IsWeights(n))]);
    }

    private static bool IsExportFile(FileSystemInfo entry) =>
        entry is FileInfo && entry.LinkTarget is null && (IsWeights(entry.Name) || Companions.Contains(entry.Name));

    private static bool IsWeights(string name) => name == "model.safetensors" || Shard().IsMatch(name);

    private static string Listed(IReadOnlyList<string> names) =>
        names.Count <= NamesShown ? string.Join(", ", names) : $"{string.Join(", ", names.Take(NamesShown))} and {names.Count - NamesShown} more";

    private static PlanException Refuse(string full, string message) => new(OutputTarget.OutputNotReplaceable, message, full);

    [GeneratedRegex(@"^model-\d{5,}-of-\d{5,}\.safetensors$", RegexOptions.CultureInvariant)]
    private static partial Regex Shard();
}
