using ModelMerge.Compute.Cpu;
using ModelMerge.Formats;
using ModelMerge.Methods;

namespace ModelMerge.Plans.Graph;

/// <summary>A task vector trimmed to its top-density magnitudes (TIES's first step).</summary>
public sealed class MagnitudeTrimPlan(ITensorPlan taskVector, double density) : ITensorPlan
{
    public long Length => taskVector.Length;

    public TensorInfo? StoredSource => null;

    public PreparedTensor Prepare(string tensorName, PlanContext context)
    {
        var inner = taskVector.Prepare(tensorName, context);
        try
        {
            var cut = MagnitudeTrim.FindCut(inner, density, tensorName, context.Runner);
            return cut is null ? inner : new Prepared(inner, cut);
        }
        catch
        {
            inner.Dispose();
            throw;
        }
    }

    private sealed class Prepared(PreparedTensor inner, MagnitudeCut cut) : PreparedTensor
    {
        public override long Length => inner.Length;

        public override void Read(long start, Span<float> destination)
        {
            inner.Read(start, destination);
            cut.Apply(ChunkIndex(start), destination);
        }

        public override void Dispose() => inner.Dispose();
    }
}
