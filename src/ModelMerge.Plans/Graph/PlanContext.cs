using ModelMerge.Compute;

namespace ModelMerge.Plans.Graph;

/// <summary>What a plan needs while it runs: cores to use, a way to stop, a place to say what it did.</summary>
public sealed class PlanContext
{
    public PlanContext(ChunkRunner runner, Action<string>? verbose = null)
    {
        Runner = runner;
        Verbose = verbose ?? (_ => { });
    }

    public ChunkRunner Runner { get; }

    public Action<string> Verbose { get; }

    public CancellationToken Cancellation => Runner.Cancellation;

    /// <summary>Maps of stored tensors shared by the plans reading them.</summary>
    internal StoredTensorCache StoredTensors { get; } = new();
}
