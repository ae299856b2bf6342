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
    /// Moves the finished folder to the target. An existing target (allowed by the caller's -Force) is swapped with
    /// the staging folder in one step where the system can (Linux), else renamed aside first; either way it is deleted
    /// only once the new folder is in place, and an interruption leaves the old target or the new one, never neither.
    /// Old content that cannot be deleted then is left under a name <paramref name="warn"/> is told, with why: the
    /// export itself succeeded.
    /// </summary>
    public void Commit(bool replaceExisting, Action<string>? warn = null)
    {
        if (!Occupied(Target))
        {
            Directory.Move(Path, Target);
            _committed = true;
            return;
        }
        if (!replaceExisting) throw new IOException($"'{Target}' already exists.");
        if (RenameExchange.TrySwap(Path, Target))
        {
            // The old content now sits at the staging name.
            _committed = true;
            RemoveReplaced(Path, warn);
            return;
        }
        string aside = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Target)!, $".{System.IO.Path.GetFileName(Target)}.replaced-{Guid.NewGuid():N}");
        MoveEither(Target, aside);
        try
        {
            Directory.Move(Path, Target);
        }
        catch
        {
            MoveEither(aside, Target);
            throw;
        }
        _committed = true;
        RemoveReplaced(aside, warn);
    }

    /// <summary>Anything at <paramref name="path"/>, a link to nothing included.</summary>
    private static bool Occupied(string path) => File.Exists(path) || Directory.Exists(path) || new FileInfo(path).LinkTarget is not null;

    private static void MoveEither(string from, string to)
    {
        if (Directory.Exists(from) && new DirectoryInfo(from).LinkTarget is null) Directory.Move(from, to);
        else File.Move(from, to);
    }

    private void RemoveReplaced(string old, Action<string>? warn)
    {
        try
        {
            if (Directory.Exists(old) && new DirectoryInfo(old).LinkTarget is null) Directory.Delete(old, recursive: true);
            else File.Delete(old);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            warn?.Invoke($"'{Target}' now holds the new checkpoint, but what it replaced could not all be deleted ({ex.Message}); "
                + $"the rest is in '{old}'. Delete that folder yourself once you no longer need it.");
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
