namespace ModelMerge.Formats.Folders;

/// <summary>
/// A path with every symbolic link along it followed: where a file really is, for the rules that
/// must not be fooled by a link (a shard or companion file inside its folder, staging beside the
/// real parent, identities where the system has no inodes to compare).
/// </summary>
internal static class RealPath
{
    /// <summary>The path with every link along it followed; parts that do not exist are kept as spelled.</summary>
    /// <exception cref="IOException">A link loop, or a chain longer than the system follows.</exception>
    public static string Of(string path)
    {
        string full = Path.GetFullPath(path);
        string? root = Path.GetPathRoot(full);
        string current = root ?? "";
        foreach (var part in full[current.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            FileSystemInfo entry = Directory.Exists(current) ? new DirectoryInfo(current) : new FileInfo(current);
            if (entry.LinkTarget is not null)
            {
                var target = entry.ResolveLinkTarget(returnFinalTarget: true);
                if (target is not null) current = Of(target.FullName);
            }
        }
        return current;
    }

    /// <summary>The real path of something that exists; null when part of it is missing or its links loop.</summary>
    public static string? OfExisting(string path)
    {
        try
        {
            string real = Of(path);
            return Path.Exists(real) ? real : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
