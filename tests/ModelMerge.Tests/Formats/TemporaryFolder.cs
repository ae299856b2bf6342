namespace ModelMerge.Tests.Formats;

/// <summary>A fresh folder under the system temp path, deleted with everything in it on dispose.</summary>
internal sealed class TemporaryFolder : IDisposable
{
    public TemporaryFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "modelmerge-formats-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>The full path of <paramref name="relative"/> inside the folder; creates nothing.</summary>
    public string Combine(string relative) => System.IO.Path.Combine(Path, relative);

    public string CreateFolder(string relative) => Directory.CreateDirectory(Combine(relative)).FullName;

    public void Dispose()
    {
        try
        {
            // Recursive delete removes symbolic links, never what they point to.
            if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
