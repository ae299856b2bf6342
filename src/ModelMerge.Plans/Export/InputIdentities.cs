using ModelMerge.Formats.Folders;

namespace ModelMerge.Plans.Export;

/// <summary>
/// An export's inputs by file identity: every input file and folder (a folder's own files too, which may be links
/// to files elsewhere), and every folder above one of them. An output may be none of the first, hold none (be none
/// of the second), and lie inside none, however links and mounts spell the paths.
/// </summary>
internal sealed class InputIdentities
{
    private readonly Dictionary<FileIdentity, string> _inputs = new();
    private readonly Dictionary<FileIdentity, string> _holders = new();

    public static InputIdentities Of(IEnumerable<string> inputPaths)
    {
        var identities = new InputIdentities();
        foreach (string spelled in inputPaths)
        {
            string input = Path.TrimEndingDirectorySeparator(Path.GetFullPath(spelled));
            identities.Add(input, input);
            if (!Directory.Exists(input)) continue;
            foreach (string entry in Directory.EnumerateFileSystemEntries(input)) identities.Add(entry, input);
        }
        return identities;
    }

    private void Add(string path, string input)
    {
        bool self = true;
        foreach (var identity in FileIdentity.SelfAndAncestors(path))
        {
            if (self) _inputs.TryAdd(identity, input);
            _holders.TryAdd(identity, input);
            self = false;
        }
    }

    /// <summary>The input <paramref name="target"/> overlaps and how ("is", "holds", "lies inside"); null when none.</summary>
    public (string Input, string How)? Overlap(string target)
    {
        if (FileIdentity.Of(target) is { } identity)
        {
            if (_inputs.TryGetValue(identity, out string? input)) return (input, "is");
            if (_holders.TryGetValue(identity, out input)) return (input, "holds");
            foreach (var above in FileIdentity.SelfAndAncestors(target).Skip(1))
                if (_inputs.TryGetValue(above, out input)) return (input, "lies inside");
        }
        // Where the new folder goes: the nearest folder that exists above the target, after links.
        string? parent = Path.GetDirectoryName(target);
        while (parent is not null && !Directory.Exists(parent) && !File.Exists(parent)) parent = Path.GetDirectoryName(parent);
        if (parent is null) return null;
        foreach (var above in FileIdentity.SelfAndAncestors(parent))
            if (_inputs.TryGetValue(above, out string? input)) return (input, "lies inside");
        return null;
    }
}
