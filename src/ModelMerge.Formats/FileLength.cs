namespace ModelMerge.Formats;

/// <summary>
/// The size of the file a path names, found without opening it. Readers check it before they
/// open anything, because a FIFO named like a checkpoint file blocks the open until someone
/// writes to it and a device never ends; both report size 0. <see cref="FileInfo.Length"/>
/// alone is not enough: on a symbolic link it is the size of the link, not of what it names.
/// </summary>
internal static class FileLength
{
    /// <summary>The length of the file at the end of any chain of links; null when there is none.</summary>
    /// <exception cref="IOException">A link loop, or more links than the system follows.</exception>
    public static long? Of(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target) info = target;
        return info.Exists ? info.Length : null;
    }
}
