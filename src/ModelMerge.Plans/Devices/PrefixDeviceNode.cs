using ILGPU;
using ILGPU.Runtime;

namespace ModelMerge.Plans.Devices;

/// <summary>The first rows of a tensor whose vocabulary is cut (<c>PrefixPlan</c>): the inner tensor computed whole, its prefix kept.</summary>
internal sealed class PrefixDeviceNode(DeviceNode inner, long length) : DeviceNode
{
    public override long Length => length;

    /// <summary>A prefix shares the inner tensor's indices, so a part of it is the same part of the inner tensor.</summary>
    public override bool Elementwise => inner.Elementwise;

    public override double ScratchBuffers => (double)inner.Length / length * (1 + inner.ScratchBuffers);

    public override bool TryEvaluate(DeviceRun run, long start, ArrayView1D<float, Stride1D.Dense> destination)
    {
        if (inner.Elementwise) return inner.TryEvaluate(run, start, destination);
        using var whole = run.Allocate<float>(inner.Length);
        if (!inner.TryEvaluate(run, 0, whole.View)) return false;
        whole.View.SubView(0, length).CopyTo(destination);
        return true;
    }
}
