using ModelMerge.Compute;

namespace ModelMerge.Plans.Graph;

/// <summary>What a plan needs while it runs: the cores to use (and the token that stops them) and the shared maps of stored tensors.</summary>
public sealed class PlanContext(ChunkRunner runner, Action<string>? warn = null)
{
    public ChunkRunner Runner { get; } = runner;

    /// <summary>Told what a method remarks about a tensor while preparing it (called on the preparing thread).</summary>
    public Action<string> Warn { get; } = warn ?? (_ => { });

    /// <summary>Maps of stored tensors shared by the plans reading them.</summary>
    internal StoredTensorCache StoredTensors { get; } = new();

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Formats.FileStamp> _filesRead = new(StringComparer.Ordinal);

    /// <summary>Notes that a tensor of <paramref name="tensor"/>'s file was read, so <see cref="VerifyFilesRead"/> can check the file again.</summary>
    internal void Read(Formats.TensorInfo tensor)
    {
        if (tensor.Stamp is Formats.FileStamp stamp) _filesRead.TryAdd(tensor.FilePath, stamp);
    }

    /// <summary>Throws InputChanged when any file read so far is no longer the one its header came from.</summary>
    public void VerifyFilesRead()
    {
        foreach (var (path, stamp) in _filesRead) stamp.Verify(path);
    }
}
