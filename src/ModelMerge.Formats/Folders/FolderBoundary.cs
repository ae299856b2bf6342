namespace ModelMerge.Formats.Folders;

/// <summary>
/// The one rule for which files a model folder may make us read: those whose real path (every
/// link followed) lies inside the folder's real path. Shard names and companion files come
/// from strangers; a link to <c>/etc/shadow</c> named <c>tokenizer_config.json</c> must not be
/// read, let alone copied into an output. One exception: a snapshot of the Hugging Face hub
/// cache (<c>models--org--name/snapshots/REV/</c>) holds links into its repository's
/// <c>blobs</c> folder, and those are admitted, as links anywhere else are not.
/// </summary>
public sealed class FolderBoundary
{
    private FolderBoundary(string folder, string realFolder, string? blobs)
    {
        Folder = folder;
        RealFolder = realFolder;
        Blobs = blobs;
    }

    /// <summary>The folder as given (full path).</summary>
    public string Folder { get; }

    /// <summary>The folder with every link along its path followed.</summary>
    public string RealFolder { get; }

    /// <summary>The hub-cache repository's <c>blobs</c> folder when the folder is a snapshot in one; otherwise null.</summary>
    public string? Blobs { get; }

    /// <summary>The boundary of <paramref name="folder"/>.</summary>
    /// <exception cref="IOException">A link loop along the folder's path.</exception>
    public static FolderBoundary Of(string folder)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        string real = RealPath.Of(full);
        return new FolderBoundary(full, real, HubBlobs(real));
    }

    /// <summary>
    /// Follows every link in <paramref name="path"/> (a full path at or below the folder);
    /// true when what it names lies within the boundary.
    /// </summary>
    /// <exception cref="IOException">A link loop, or a chain longer than the system follows.</exception>
    public bool Admits(string path, out string realPath)
    {
        realPath = RealPath.Of(path);
        return IsInside(realPath, RealFolder) || (Blobs is not null && IsInside(realPath, Blobs));
    }

    /// <summary>How messages name what lies inside the boundary.</summary>
    public string Description => Blobs is null ? "the checkpoint folder" : $"the checkpoint folder or its hub-cache blobs ({Blobs})";

    /// <summary>
    /// A hub-cache snapshot is <c>…/models--ORG--NAME/snapshots/REV</c> (or a folder below REV);
    /// its files link to <c>../../blobs/HASH</c>. The blobs folder must be a real folder: a
    /// <c>blobs</c> that is itself a link could lead anywhere.
    /// </summary>
    private static string? HubBlobs(string realFolder)
    {
        for (var revision = new DirectoryInfo(realFolder); revision.Parent?.Parent is { } repository; revision = revision.Parent)
        {
            if (revision.Parent.Name != "snapshots" || !repository.Name.StartsWith("models--", StringComparison.Ordinal)) continue;
            var blobs = new DirectoryInfo(Path.Combine(repository.FullName, "blobs"));
            return blobs.Exists && blobs.LinkTarget is null ? blobs.FullName : null;
        }
        return null;
    }

    internal static bool IsInside(string path, string folder)
    {
        string prefix = Path.TrimEndingDirectorySeparator(folder) + Path.DirectorySeparatorChar;
        return path.StartsWith(prefix, StringComparison.Ordinal);
    }
}
