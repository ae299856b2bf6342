namespace ModelMerge.Formats;

/// <summary>
/// The file a path names at the end of any chain of links. <see cref="FileInfo.Length"/> and
/// <see cref="FileInfo.LastWriteTimeUtc"/> on a symbolic link describe the link, not the file:
/// in the Hugging Face hub cache every weight file is a link into <c>blobs/</c>, and its 76-byte
/// length made every tensor look cut short.
/// </summary>
internal static class FileLength
{
    /// <summary>The file at the end of the links from <paramref name="path"/> (which may not exist).</summary>
    /// <exception cref="IOException">A link loop, or more links than the system follows.</exception>
    public static FileInfo Target(string path)
    {
        var info = new FileInfo(path);
        return info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target ? target : info;
    }

    /// <summary>The length of the file at the end of any chain of links; null when there is none.</summary>
    public static long? Of(string path) => Target(path) is { Exists: true } info ? info.Length : null;
}
