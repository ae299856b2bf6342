using ModelMerge.Formats.Files;

namespace ModelMerge.Formats.Folders;

/// <summary>
/// Which file or folder a path reaches, however it is spelled: on Linux its device and inode, so a symlink, a
/// bind mount and the folder itself are one identity; elsewhere the path with every link resolved
/// (<see cref="ResolvedPath"/>), compared without case where the file system ignores it.
/// </summary>
public readonly record struct FileIdentity(ulong Device, ulong Inode, string? ResolvedPath)
{
    /// <summary>The identity of what <paramref name="path"/> reaches after links; null when nothing is there.</summary>
    public static FileIdentity? Of(string path)
    {
        if (LinuxStatx.Available)
            return LinuxStatx.Of(path, followLinks: true) is { } status ? new FileIdentity(status.Device, status.Inode, null) : null;
        return RealPath.OfExisting(path) is string resolved ? new FileIdentity(0, 0, Key(resolved)) : null;
    }

    /// <summary>
    /// <paramref name="path"/>'s identity, then each folder above what it reaches, as the system reaches them:
    /// after links, and across mounts, up to the root. Empty when nothing is there.
    /// </summary>
    public static IEnumerable<FileIdentity> SelfAndAncestors(string path)
    {
        if (!LinuxStatx.Available)
        {
            for (string? resolved = RealPath.OfExisting(path); resolved is not null; resolved = Path.GetDirectoryName(resolved))
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

    private static string Key(string resolved) =>
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? Path.TrimEndingDirectorySeparator(resolved).ToUpperInvariant() : Path.TrimEndingDirectorySeparator(resolved);
}
