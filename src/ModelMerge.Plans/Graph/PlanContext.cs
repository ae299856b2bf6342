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
}
