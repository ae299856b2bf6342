using ModelMerge.Formats.Files;

namespace ModelMerge.Formats.Folders;

/// <summary>
/// Which file or folder a path reaches, however it is spelled: on Linux its device and inode, so a symlink, a
/// bind mount and the folder itself are one identity; elsewhere the path with every link resolved
/// (<see cref="ResolvedPath"/>), compared without case where the file system ignores it.
/// </summary>
public readonly record struct FileIdentity(ulong Device, ulong Inode, string? ResolvedPath)
{
    private const int MaxLinkDepth = 40;

    /// <summary>The identity of what <paramref name="path"/> reaches after links; null when nothing is there.</summary>
    public static FileIdentity? Of(string path)
    {
        if (LinuxStatx.Available)
            return LinuxStatx.Of(path, followLinks: true) is { } status ? new FileIdentity(status.Device, status.Inode, null) : null;
        return Resolve(Path.GetFullPath(path), 0) is string resolved ? new FileIdentity(0, 0, Key(resolved)) : null;
    }

    /// <summary>
    /// <paramref name="path"/>'s identity, then each folder above what it reaches, as the system reaches them:
    /// after links, and across mounts, up to the root. Empty when nothing is there.
    /// </summary>
    public static IEnumerable<FileIdentity> SelfAndAncestors(string path)
    {
        if (!LinuxStatx.Available)
        {
            for (string? resolved = Resolve(Path.GetFullPath(path), 0); resolved is not null; resolved = Path.GetDirectoryName(resolved))
                yield return new FileIdentity(0, 0, Key(resolved));
            yield break;
        }
        if (LinuxStatx.Of(path, followLinks: true) is not { } self) yield break;
        yield return new FileIdentity(self.Device, self.Inode, null);
        // "file/.." is not a path; a linked file's folders are those of the file it leads to.
        string folder = self.IsDirectory ? path : Path.GetDirectoryName(LinkedFile(path)) ?? "/";
        var current = self.IsDirectory ? self : LinuxStatx.Of(folder, followLinks: true);
        if (!self.IsDirectory && current is { } first) yield return new FileIdentity(first.Device, first.Inode, null);
        // The kernel resolves ".." from where the links and mounts led, which no spelling of the path tells.
        while (current is { } here)
        {
            folder = Path.Join(folder, "..");
            var up = LinuxStatx.Of(folder, followLinks: true);
            if (up is not { } parent || (parent.Device == here.Device && parent.Inode == here.Inode)) yield break;
            yield return new FileIdentity(parent.Device, parent.Inode, null);
            current = parent;
        }
    }

    private static string LinkedFile(string path)
    {
        try
        {
            return File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);
        }
        catch (IOException)
        {
            return Path.GetFullPath(path);
        }
    }

    /// <summary>The full path with every link along it replaced by what it leads to; null when part of it is missing.</summary>
    private static string? Resolve(string full, int depth)
    {
        if (depth > MaxLinkDepth) return null;
        string root = Path.GetPathRoot(full) ?? "";
        string current = root;
        foreach (string part in full[root.Length..].Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar))
        {
            if (part.Length == 0 || part == ".") continue;
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }
            string next = Path.Combine(current, part);
            var info = new FileInfo(next);
            if (info.LinkTarget is string target)
            {
                string? resolved = Resolve(Path.GetFullPath(target, current), depth + 1);
                if (resolved is null) return null;
                next = resolved;
            }
            else if (!info.Exists && !Directory.Exists(next)) return null;
            current = next;
        }
        return current;
    }

    private static string Key(string resolved) =>
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? Path.TrimEndingDirectorySeparator(resolved).ToUpperInvariant() : Path.TrimEndingDirectorySeparator(resolved);
}
