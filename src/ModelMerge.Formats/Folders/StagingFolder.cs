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
            _lock.Release(deleteFile: true);
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
