using ModelMerge.Compute;
using ModelMerge.Formats;
using ModelMerge.Plans.Graph;

namespace ModelMerge.Tests.Methods.Support;

/// <summary>A float array as the chunk source the method kernels read.</summary>
internal sealed class ArraySource(float[] values) : IChunkSource
{
    public long Length => values.Length;

    public void Read(long start, Span<float> destination) => values.AsSpan((int)start, destination.Length).CopyTo(destination);
}

/// <summary>A float array as a tensor plan, so plan nodes can be driven without files.</summary>
internal sealed class ArrayPlan(float[] values) : ITensorPlan
{
    public long Length => values.Length;

    public TensorInfo? StoredSource => null;

    public IEnumerable<ITensorPlan> Inputs => [];

    public PreparedTensor Prepare(string tensorName, PlanContext context) => new Prepared(values);

    private sealed class Prepared(float[] values) : PreparedTensor
    {
        public override long Length => values.Length;

        public override void Read(long start, Span<float> destination) => values.AsSpan((int)start, destination.Length).CopyTo(destination);
    }
}

internal static class PlanReader
{
    /// <summary>Reads a prepared tensor grid chunk by grid chunk, the only way plans promise to be read.</summary>
    public static float[] ReadAll(ITensorPlan plan, string tensorName, ChunkRunner runner)
    {
        using var prepared = plan.Prepare(tensorName, new PlanContext(runner));
        var values = new float[prepared.Length];
        runner.ForEachChunk(prepared.Length, (_, start, count) => prepared.Read(start, values.AsSpan((int)start, count)));
        return values;
    }
}
