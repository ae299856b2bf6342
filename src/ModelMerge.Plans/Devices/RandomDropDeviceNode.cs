using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Compute.Cpu;
using ModelMerge.Methods;

namespace ModelMerge.Plans.Devices;

/// <summary>DARE's drop from the counter generator the CPU uses, so the mask is the same element for element (<c>RandomDrop</c>).</summary>
internal sealed class RandomDropDeviceNode(DeviceNode taskVector, double density, ulong seed, int modelIndex, Rescale rescale) : DeviceNode
{
    public override long Length => taskVector.Length;

    /// <summary>The mask is per element; only the L1 rescale needs sums over the whole tensor.</summary>
    public override bool Elementwise => (density >= 1 || rescale != Rescale.L1) && taskVector.Elementwise;

    public override double ScratchBuffers => taskVector.ScratchBuffers;

    public override bool TryEvaluate(DeviceRun run, long start, ArrayView1D<float, Stride1D.Dense> destination)
    {
        if (density >= 1) return taskVector.TryEvaluate(run, start, destination);
        // A density below 0 (or NaN): the CPU refuses it (DensityOutOfRange) with its own message.
        if (!(density >= 0)) return false;
        if (!taskVector.TryEvaluate(run, start, destination)) return false;
        ulong key = CounterRandom.Key(seed, run.TensorName, modelIndex);
        ulong keepLimit = CounterRandom.KeepLimit(density);
        float factor = rescale switch
        {
            Rescale.L1 => run.Kernels.DropL1Factor(destination, key, keepLimit),
            Rescale.Inverse => density > 0 ? (float)(1.0 / density) : 1f,
            _ => 1f,
        };
        run.Kernels.Drop(destination, key, start, keepLimit, factor);
        return true;
    }
}
