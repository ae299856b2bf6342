namespace ModelMerge.Tests.Methods.Support;

/// <summary>A folder under the system temp path that exists for one test (or fixture) and is deleted with it.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder(string purpose)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"modelmerge-methods-{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>A path inside the folder that does not exist yet (exports refuse existing targets).</summary>
    public string Child(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (DirectoryNotFoundException) { /* the test removed it itself */ }
    }
}
