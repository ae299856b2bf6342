using System.Security.Cryptography;

namespace ModelMerge.PipelineTests.Support;

/// <summary>
/// The Hugging Face hub cache's layout, built from a model folder: every file moves to
/// <c>models--ORG--NAME/blobs/SHA256</c> and the snapshot <c>snapshots/REV/NAME</c> is a
/// relative link to it, as huggingface_hub writes them.
/// </summary>
public static class HubCache
{
    public const string Revision = "0123456789abcdef0123456789abcdef01234567";

    /// <summary>Moves the files of <paramref name="folder"/> into a cache under <paramref name="cacheRoot"/>; returns the snapshot folder.</summary>
    public static string MoveIn(string folder, string cacheRoot, string repository)
    {
        string repo = Path.Combine(cacheRoot, repository);
        string blobs = Directory.CreateDirectory(Path.Combine(repo, "blobs")).FullName;
        string snapshot = Directory.CreateDirectory(Path.Combine(repo, "snapshots", Revision)).FullName;
        Directory.CreateDirectory(Path.Combine(repo, "refs"));
        File.WriteAllText(Path.Combine(repo, "refs", "main"), Revision);
        foreach (var file in Directory.GetFiles(folder))
        {
            string hash;
            using (var stream = File.OpenRead(file)) hash = Convert.ToHexStringLower(SHA256.HashData(stream));
            File.Move(file, Path.Combine(blobs, hash));
            File.CreateSymbolicLink(Path.Combine(snapshot, Path.GetFileName(file)), Path.Combine("..", "..", "blobs", hash));
        }
        Directory.Delete(folder);
        return snapshot;
    }
}
