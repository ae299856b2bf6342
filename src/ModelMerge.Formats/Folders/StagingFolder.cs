namespace ModelMerge.Formats.Folders;

/// <summary>
/// An output folder built beside its target under a hidden temporary name and moved into
/// place only when complete, so an interrupted export never leaves something that looks
/// finished. Disposing without <see cref="Commit"/> deletes the staging folder. A lock file
/// beside it, held for the folder's life, tells a later export whether its writer still runs:
/// one that does stops that export at once; one killed outright (SIGKILL, the OOM killer)
/// left a folder the later export removes.
/// </summary>
public sealed class StagingFolder : IDisposable
{
    private readonly StagingLock _lock;
    private bool _committed;
    private bool _released;

    private StagingFolder(string target, string path, StagingLock held, IReadOnlyList<StagingLeftover> removed)
    {
        Target = target;
        Path = path;
        _lock = held;
        Removed = removed;
    }

    public string Target { get; }

    /// <summary>
    /// Where files are written until <see cref="Commit"/>: in the parent's real folder, resolved once at
    /// creation, so a link swapped meanwhile can neither redirect the writes nor hide the folder from cleanup.
    /// </summary>
    public string Path { get; }

    /// <summary>Staging folders for the same target that killed exports left, removed by <see cref="Create"/>.</summary>
    public IReadOnlyList<StagingLeftover> Removed { get; }

    /// <summary>
    /// Creates the staging folder for <paramref name="target"/>. Throws <see cref="ExportInProgressException"/>
    /// when a live export is writing the same target; removes those that dead exports left.
    /// </summary>
    public static StagingFolder Create(string target)
    {
        string full = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(target));
        string parent = System.IO.Path.GetDirectoryName(full) ?? throw new IOException($"'{full}' has no parent folder.");
        Directory.CreateDirectory(parent);
        string name = System.IO.Path.GetFileName(full);
        string staging = System.IO.Path.Combine(RealPath.Of(parent), StagingName.New(name));
        // Locked before anything else is looked at, so of two exports starting together at least one sees the other.
        var held = StagingLock.Acquire(staging, full);
        try
        {
            var removed = new List<StagingLeftover>();
            foreach (string other in StagingName.Siblings(System.IO.Path.GetDirectoryName(staging)!, name))
            {
                if (other == staging) continue;
                using var probe = StagingLock.Examine(other, name);
                if (probe.Ownership == StagingLock.Ownership.Live) throw new ExportInProgressException(full, other, probe.Pid);
                if (probe.Ownership != StagingLock.Ownership.Orphaned) continue;
                long bytes = SizeOf(other);
                DeleteFolder(other);
                if (Directory.Exists(other)) continue;
                probe.DeleteLockFile();
                removed.Add(new StagingLeftover(other, bytes, probe.Pid));
            }
            Directory.CreateDirectory(staging);
            return new StagingFolder(full, staging, held, removed);
        }
        catch
        {
            held.Dispose();
            throw;
        }
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
        // A staging-shaped name keeps within NAME_MAX for any target; without a lock file no cleanup mistakes it for a leftover.
        string aside = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Path)!, StagingName.New(System.IO.Path.GetFileName(Target)));
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
            // Left at the staging name, the old content keeps the lock file, released: the next export to the target removes it.
            string later = old == Path ? $"the next export to '{Target}' removes it, or delete it yourself" : "delete that folder yourself once you no longer need it";
            warn?.Invoke($"'{Target}' now holds the new checkpoint, but what it replaced could not all be deleted ({ex.Message}); "
                + $"the rest is in '{old}': {later}.");
        }
    }

    /// <summary>
    /// Deletes the uncommitted staging folder and says what could not be deleted (null when nothing is left).
    /// What is left keeps its lock file, released, so the next export to the target removes it.
    /// </summary>
    public StagingLeftover? Remove()
    {
        if (_released) return null;
        _released = true;
        if (_committed)
        {
            _lock.Release(deleteFile: !Directory.Exists(Path));
            return null;
        }
        DeleteFolder(Path);
        var left = Directory.Exists(Path) ? new StagingLeftover(Path, SizeOf(Path), Environment.ProcessId) : null;
        _lock.Release(deleteFile: left is null);
        return left;
    }

    public void Dispose() => Remove();

    private static void DeleteFolder(string path)
    {
        try
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        }
        catch (IOException) { /* reported by the caller, which looks at what is left */ }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Bytes in the files under <paramref name="folder"/>, not following links.</summary>
    private static long SizeOf(string folder)
    {
        try
        {
            var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 };
            return new DirectoryInfo(folder).EnumerateFiles("*", options).Sum(f => f.Length);
        }
        catch (IOException) { return 0; }
        catch (UnauthorizedAccessException) { return 0; }
    }
}
