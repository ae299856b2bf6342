using System.Text.Json;

namespace ModelMerge.Formats.Folders;

/// <summary>
/// The lock file beside a staging folder, held open for the export's life. It records the process and
/// the full target, so a later export can tell a live staging folder (the file is still held: another
/// export is writing) from one left by a killed process (nobody holds it), and can be sure the folder
/// is a staging folder for its own target before it deletes anything.
/// </summary>
/// <remarks>
/// The owner holds the file open for reading with <see cref="FileShare.Read"/>: on Unix .NET takes a
/// shared flock for that (readers may still read the record), on Windows the open handle denies writers
/// and deleters. A prober opens it with <see cref="FileShare.None"/> (an exclusive flock), which fails
/// while any owner lives; the kernel drops the lock when its process dies, however it dies.
/// </remarks>
internal sealed class StagingLock : IDisposable
{
    private readonly FileStream _held;

    private StagingLock(string path, FileStream held)
    {
        Path = path;
        _held = held;
    }

    public string Path { get; }

    /// <summary>Creates and holds the lock file for a staging folder about to be created at <paramref name="staging"/>.</summary>
    public static StagingLock Acquire(string staging, string target)
    {
        string path = staging + StagingName.LockSuffix;
        using var writer = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        try
        {
            JsonSerializer.Serialize(writer, new Record(Environment.ProcessId, target));
            writer.Flush(flushToDisk: true);
            // A read-only handle: .NET always takes the shared flock for one, on every file system.
            var held = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return new StagingLock(path, held);
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

    /// <summary>
    /// Whose the staging folder at <paramref name="staging"/> is: held by a live export (Live), left by a
    /// dead one for the target named <paramref name="targetName"/> (Orphaned, with the lock held until
    /// <see cref="Probe.Dispose"/>), or anything else (Foreign: never to be touched).
    /// </summary>
    public static Probe Examine(string staging, string targetName)
    {
        string path = staging + StagingName.LockSuffix;
        FileStream exclusive;
        try
        {
            exclusive = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None);
        }
        catch (FileNotFoundException) { return new Probe(Ownership.Foreign, null, null, path); }
        catch (DirectoryNotFoundException) { return new Probe(Ownership.Foreign, null, null, path); }
        catch (UnauthorizedAccessException) { return new Probe(Ownership.Foreign, null, null, path); }
        catch (IOException)
        {
            // Held: another export is alive. Its record is readable beside the shared lock.
            return new Probe(Ownership.Live, ReadShared(path)?.Pid, null, path);
        }
        var record = Read(exclusive);
        if (record is null || !string.Equals(System.IO.Path.GetFileName(record.Target), targetName, StringComparison.Ordinal))
        {
            exclusive.Dispose();
            return new Probe(Ownership.Foreign, record?.Pid, null, path);
        }
        return new Probe(Ownership.Orphaned, record.Pid, exclusive, path);
    }

    /// <summary>Releases the lock and deletes the file (kept when the folder could not be removed, so a later export can retry).</summary>
    public void Release(bool deleteFile)
    {
        DeleteThenClose(deleteFile ? Path : null, _held);
    }

    public void Dispose() => Release(deleteFile: true);

    private static Record? ReadShared(string path)
    {
        try
        {
            using var shared = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return Read(shared);
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    private static Record? Read(FileStream stream)
    {
        try
        {
            if (stream.Length > 64 << 10) return null;
            var record = JsonSerializer.Deserialize<Record>(stream);
            return record is { Pid: > 0, Target.Length: > 0 } ? record : null;
        }
        catch (JsonException) { return null; }
        catch (IOException) { return null; }
    }

    /// <summary>
    /// On Unix the file is unlinked while still held, so no prober can take it over between the two steps;
    /// Windows refuses to delete a file open without FileShare.Delete, so there it is closed first.
    /// </summary>
    private static void DeleteThenClose(string? path, FileStream held)
    {
        if (OperatingSystem.IsWindows()) held.Dispose();
        if (path is not null) TryDelete(path);
        held.Dispose();
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private sealed record Record(int Pid, string Target);

    public enum Ownership { Live, Orphaned, Foreign }

    /// <summary>What <see cref="Examine"/> found; an orphan's lock stays held (exclusively) until disposed.</summary>
    public sealed class Probe(Ownership ownership, int? pid, FileStream? held, string path) : IDisposable
    {
        public Ownership Ownership { get; } = ownership;

        public int? Pid { get; } = pid;

        /// <summary>Deletes the lock file (while still holding it), then lets go.</summary>
        public void DeleteLockFile()
        {
            if (held is not null) DeleteThenClose(path, held);
        }

        public void Dispose() => held?.Dispose();
    }
}
