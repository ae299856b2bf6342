using System.Security.Cryptography;
using System.Text;

namespace ModelMerge.Formats.Folders;

/// <summary>
/// The hidden names a target's staging folder (<c>.NAME.partial-&lt;32 hex&gt;</c>) and its lock file
/// (the folder's name plus <c>.lock</c>) take beside the target. Both stay within NAME_MAX (255 bytes),
/// so any target name the file system accepts can be staged: a long name is cut and given a hash of
/// the whole, which keeps the prefix one target's own.
/// </summary>
internal static class StagingName
{
    public const string LockSuffix = ".lock";
    private const string Marker = ".partial-";
    private const int HexLength = 32;
    private const int NameMax = 255;
    // '.' + name + marker + hex + lock suffix.
    private static readonly int NameBudget = NameMax - 1 - Marker.Length - HexLength - LockSuffix.Length;

    /// <summary>A new staging folder's name for the target named <paramref name="targetName"/>.</summary>
    public static string New(string targetName) => Prefix(targetName) + Guid.NewGuid().ToString("N");

    /// <summary>
    /// The staging folders and lone lock files for <paramref name="targetName"/> in <paramref name="folder"/>,
    /// as staging folder paths (a lone lock file's folder need not exist).
    /// </summary>
    public static IEnumerable<string> Siblings(string folder, string targetName)
    {
        string prefix = Prefix(targetName);
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string entry in Directory.EnumerateFileSystemEntries(folder, prefix + "*"))
        {
            string name = Path.GetFileName(entry);
            if (name.EndsWith(LockSuffix, StringComparison.Ordinal)) name = name[..^LockSuffix.Length];
            if (name.Length == prefix.Length + HexLength && name.StartsWith(prefix, StringComparison.Ordinal)
                && name.AsSpan(prefix.Length).IndexOfAnyExcept("0123456789abcdef") < 0)
                found.Add(Path.Combine(folder, name));
        }
        return found;
    }

    private static string Prefix(string targetName) => "." + Shortened(targetName) + Marker;

    private static string Shortened(string name)
    {
        if (Encoding.UTF8.GetByteCount(name) <= NameBudget) return name;
        string hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..16].ToLowerInvariant();
        int keep = NameBudget - 1 - hash.Length;
        var cut = new StringBuilder();
        int bytes = 0;
        foreach (var rune in name.EnumerateRunes())
        {
            if (bytes + rune.Utf8SequenceLength > keep) break;
            cut.Append(rune.ToString());
            bytes += rune.Utf8SequenceLength;
        }
        return cut + "~" + hash;
    }
}
