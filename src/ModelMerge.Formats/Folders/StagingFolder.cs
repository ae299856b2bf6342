namespace ModelMerge.Formats.Folders;

/// <summary>
/// An output folder built beside its target under a hidden temporary name and moved into
/// place only when complete, so an interrupted export never leaves something that looks
/// finished. Disposing without <see cref="Commit"/> deletes the staging folder.
/// </summary>
public sealed class StagingFolder : IDisposable
{
    private bool _committed;

    private StagingFolder(string target, string path)
    {
        Target = target;
        Path = path;
    }

    public string Target { get; }

    /// <summary>Where files are written until <see cref="Commit"/>.</summary>
    public string Path { get; }

    public static StagingFolder Create(string target)
    {
        string full = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(target));
        string parent = System.IO.Path.GetDirectoryName(full) ?? throw new IOException($"'{full}' has no parent folder.");
        Directory.CreateDirectory(parent);
        string staging = System.IO.Path.Combine(parent, $".{System.IO.Path.GetFileName(full)}.partial-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        return new StagingFolder(full, staging);
    }

    /// <summary>
    /// Moves the finished folder to the target. An existing target (allowed by the caller's
    /// -Force) is first renamed aside and deleted only after the new folder is in place.
    /// </summary>
    public void Commit(bool replaceExisting)
    {
        string? aside = null;
        if (Directory.Exists(Target) || File.Exists(Target))
        {
            if (!replaceExisting) throw new IOException($"'{Target}' already exists.");
            aside = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Target)!, $".{System.IO.Path.GetFileName(Target)}.replaced-{Guid.NewGuid():N}");
            if (Directory.Exists(Target)) Directory.Move(Target, aside);
            else File.Move(Target, aside);
        }
        try
        {
            Directory.Move(Path, Target);
        }
        catch when (aside is not null)
        {
            if (Directory.Exists(aside)) Directory.Move(aside, Target);
            else File.Move(aside, Target);
            throw;
        }
        _committed = true;
        if (aside is not null)
        {
            if (Directory.Exists(aside)) Directory.Delete(aside, recursive: true);
            else File.Delete(aside);
        }
    }

    public void Dispose()
    {
        if (_committed) return;
        try
        {
            if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
        }
        catch (IOException) { /* best effort: a leftover hidden .partial folder never looks like a checkpoint */ }
        catch (UnauthorizedAccessException) { }
    }
}
