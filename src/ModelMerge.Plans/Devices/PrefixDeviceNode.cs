using ILGPU;
using ILGPU.Runtime;

namespace ModelMerge.Plans.Devices;

/// <summary>The first rows of a tensor whose vocabulary is cut (<c>PrefixPlan</c>): the inner tensor computed whole, its prefix kept.</summary>
internal sealed class PrefixDeviceNode(DeviceNode inner, long length) : DeviceNode
{
    public override long Length => length;

    public override double ScratchBuffers => (double)inner.Length / length * (1 + inner.ScratchBuffers);

    public override bool TryEvaluate(DeviceRun run, long start, ArrayView1D<float, Stride1D.Dense> destination)
    {
        // A prefix shares the inner tensor's indices, so a piece of it is the same piece of the inner
        // tensor. The whole prefix is not a whole number of grid chunks, though, and the inner tensor's
        // statistics must be summed over its own chunks: it is computed whole and cut.
        if (start > 0 || destination.Length < length) return inner.TryEvaluate(run, start, destination);
        using var whole = run.Allocate<float>(inner.Length);
        if (!inner.TryEvaluate(run, 0, whole.View)) return false;
        whole.View.SubView(0, length).CopyTo(destination);
        return true;
    }
}
