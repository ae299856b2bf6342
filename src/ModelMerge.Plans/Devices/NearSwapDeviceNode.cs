using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Methods;

namespace ModelMerge.Plans.Devices;

/// <summary>nearswap of the base towards one model (<c>NearSwap</c>), elementwise; t ≤ 0 leaves the base as it is, as on the CPU.</summary>
internal sealed class NearSwapDeviceNode(DeviceNode baseTensor, DeviceNode other, double t) : DeviceNode
{
    public override long Length => baseTensor.Length;

    public override double ScratchBuffers => 1 + Math.Max(baseTensor.ScratchBuffers, other.ScratchBuffers);

    public override bool TryEvaluate(DeviceRun run, long start, ArrayView1D<float, Stride1D.Dense> destination)
    {
        if (t <= 0) return baseTensor.TryEvaluate(run, start, destination);
        using var otherValues = run.Allocate<float>(destination.Length);
        if (!baseTensor.TryEvaluate(run, start, destination) || !other.TryEvaluate(run, start, otherValues.View)) return false;
        // In place: each element reads its base value before it writes the result there.
        run.Kernels.NearSwap(destination, otherValues.View, t, NearSwap.MinimumDistance, destination);
        return true;
    }
}
