using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Formats;

namespace ModelMerge.Plans.Devices;

/// <summary>τ = fine-tuned − base. Two stored bf16 tensors are uploaded as bits and subtracted in one kernel, as the CPU fuses them.</summary>
internal sealed class DifferenceDeviceNode(DeviceNode fineTuned, DeviceNode baseTensor) : DeviceNode
{
    public override long Length => baseTensor.Length;

    private bool BothStoredBFloat16 =>
        fineTuned is StoredDeviceNode { Tensor.DType: DType.BF16 } && baseTensor is StoredDeviceNode { Tensor.DType: DType.BF16 };

    public override double ScratchBuffers => BothStoredBFloat16 ? 1 : Math.Max(fineTuned.ScratchBuffers, 1 + baseTensor.ScratchBuffers);

    public override bool TryEvaluate(DeviceRun run, long start, ArrayView1D<float, Stride1D.Dense> destination)
    {
        if (BothStoredBFloat16)
        {
            using var a = run.Allocate<ushort>(destination.Length);
            using var b = run.Allocate<ushort>(destination.Length);
            ((StoredDeviceNode)fineTuned).Upload(run, start, a.View);
            ((StoredDeviceNode)baseTensor).Upload(run, start, b.View);
            run.Kernels.BFloat16Difference(a.View, b.View, destination);
            // NaN or ±∞ in either input shows in the difference (∞ − ∞ is NaN).
            return run.AllFinite(destination);
        }
        if (!fineTuned.TryEvaluate(run, start, destination)) return false;
        using var subtrahend = run.Allocate<float>(destination.Length);
        if (!baseTensor.TryEvaluate(run, start, subtrahend.View)) return false;
        run.Kernels.SingleDifference(destination, subtrahend.View, destination);
        return true;
    }
}
