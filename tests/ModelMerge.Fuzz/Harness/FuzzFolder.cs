namespace ModelMerge.Fuzz.Harness;

/// <summary>
/// The temporary folder a file-based target writes its cases into: created once per target and
/// reused for every case (creating files per case would measure the file system, not the
/// parser), deleted with everything in it at the end.
/// </summary>
public sealed class FuzzFolder : IDisposable
{
    public FuzzFolder(string purpose)
    {
        Path = System.IO.Path.Combine(Base(), $"modelmerge-fuzz-{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    /// <summary>
    /// /dev/shm where Linux has it: it is memory, so rewriting a case file costs a copy rather
    /// than a truncate and a write to disk (a quarter of a millisecond, more than most parses).
    /// </summary>
    private static string Base() =>
        OperatingSystem.IsLinux() && Directory.Exists("/dev/shm") ? "/dev/shm" : System.IO.Path.GetTempPath();

    public string Path { get; }

    public string Combine(string relative) => System.IO.Path.Combine(Path, relative);

    public void Dispose()
    {
        try
        {
            // Recursive delete removes symbolic links, not what they point to.
            if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
