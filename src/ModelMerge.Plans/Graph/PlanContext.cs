using ModelMerge.Compute;

namespace ModelMerge.Plans.Graph;

/// <summary>
/// What a plan needs while it runs: the cores to use (and the token that stops them), the shared
/// maps of stored tensors, and what to do about NaN and ±∞ found in them.
/// </summary>
public sealed class PlanContext
{
    /// <param name="allowNonFinite">Merge NaN and ±∞ in inputs as they are (counted for <see cref="NonFinite"/>'s reports) instead of refusing them.</param>
    public PlanContext(ChunkRunner runner, Action<string>? warn = null, bool allowNonFinite = false)
    {
        Warn = warn ?? (_ => { });
        NonFinite = new NonFiniteInputs(allowNonFinite);
        StoredTensors = new StoredTensorCache(NonFinite);
        Runner = runner.Observed(StoredTensors);
    }

    public ChunkRunner Runner { get; }

    /// <summary>Told what a method remarks about a tensor while preparing it (called on the preparing thread).</summary>
    public Action<string> Warn { get; }

    /// <summary>Refuses or counts the NaN and ±∞ that reads of stored tensors come upon.</summary>
    public NonFiniteInputs NonFinite { get; }

    /// <summary>Maps of stored tensors shared by the plans reading them.</summary>
    internal StoredTensorCache StoredTensors { get; }

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
