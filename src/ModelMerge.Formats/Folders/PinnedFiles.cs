using ModelMerge.Formats.Files;

namespace ModelMerge.Formats.Folders;

/// <summary>
/// Why the system would refuse to move or delete a path whoever asks, root included: an immutable or append-only
/// attribute (chattr +i, +a), or a mount point. Checked before a folder is replaced, so such a refusal comes before
/// anything is computed rather than after the new folder is in place. Linux only; elsewhere nothing is reported.
/// </summary>
public static class PinnedFiles
{
    /// <summary>Why <paramref name="path"/> (not followed if it is a link) cannot be moved or deleted; null when nothing says so.</summary>
    public static string? Why(string path)
    {
        if (!LinuxStatx.Available || LinuxStatx.Of(path, followLinks: false) is not { } status) return null;
        if (status.Has(LinuxStatx.Immutable)) return "immutable (chattr +i)";
        if (status.Has(LinuxStatx.AppendOnly)) return "append-only (chattr +a)";
        if (status.IsDirectory && IsMountPoint(path, status)) return "a mount point";
        return null;
    }

    private static bool IsMountPoint(string path, LinuxStatx.Status status)
    {
        if ((status.AttributesMask & LinuxStatx.MountRoot) != 0) return status.Has(LinuxStatx.MountRoot);
        // Kernels before 5.8 do not say; a device that differs from the parent's is a mount (a bind mount of the same
        // file system is missed, and then the move itself reports it).
        return LinuxStatx.Of(Path.Join(path, ".."), followLinks: true) is { } parent && parent.Device != status.Device;
    }
}
