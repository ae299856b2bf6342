using ModelMerge.Compute;
using ModelMerge.Formats;
using ModelMerge.Formats.Safetensors;

namespace ModelMerge.Plans.Graph;

/// <summary>
/// How to compute one tensor. Plans are immutable and cheap; <see cref="Prepare"/> maps the
/// inputs and runs any whole-tensor reduction (a top-k cut, a rescale norm), after which the
/// tensor can be read chunk by chunk.
/// </summary>
public interface ITensorPlan
{
    long Length { get; }

    /// <summary>The stored tensor this plan reproduces unchanged, if it is just a stored tensor.</summary>
    TensorInfo? StoredSource { get; }

    /// <summary>The plans this one reads, so the inputs of a tensor can be found before it is prepared.</summary>
    IEnumerable<ITensorPlan> Inputs { get; }

    PreparedTensor Prepare(string tensorName, PlanContext context);
}

/// <summary>
/// A tensor ready to be read. Reads start on a <see cref="ChunkGrid"/> boundary and span at
/// most one grid chunk; several threads may read different chunks at once.
/// </summary>
public abstract class PreparedTensor : IChunkSource, IDisposable
{
    public abstract long Length { get; }

    public abstract void Read(long start, Span<float> destination);

    /// <summary>The stored bytes' reader when this tensor is a stored one read as is, so kernels can fuse its widening into their own pass.</summary>
    public virtual TensorReader? Stored => null;

    public virtual void Dispose() { }

    protected static long ChunkIndex(long start) => start / ChunkGrid.ChunkElements;
}
