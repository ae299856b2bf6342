using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Compute.Cpu;
using ModelMerge.Compute.Gpu;
using ModelMerge.Methods;

namespace ModelMerge.Plans.Devices;

/// <summary>DARE's drop from the counter generator the CPU uses, so the mask is the same element for element (<c>RandomDrop</c>).</summary>
internal sealed class RandomDropDeviceNode(DeviceNode taskVector, double density, ulong seed, int modelIndex, Rescale rescale) : DeviceNode
{
    public override long Length => taskVector.Length;

    public override double ScratchBuffers => taskVector.ScratchBuffers;

    public override bool TryEvaluate(DeviceRun run, long start, ArrayView1D<float, Stride1D.Dense> destination)
    {
        if (density >= 1) return taskVector.TryEvaluate(run, start, destination);
        // A density below 0 (or NaN): the CPU refuses it (DensityOutOfRange) with its own message.
        if (!(density >= 0)) return false;
        ulong key = CounterRandom.Key(seed, run.TensorName, modelIndex);
        ulong keepLimit = CounterRandom.KeepLimit(density);
        bool split = destination.Length < Length;
        // A split tensor's L1 factor comes first, from a pass over all its pieces (the destination is its scratch).
        float factor = rescale == Rescale.L1 ? 1f : SurvivorRescale.Fixed(rescale, density);
        if (rescale == Rescale.L1 && split && !run.TryRemember(this, () => L1FactorInPieces(run, key, keepLimit, destination), out factor)) return false;
        if (!taskVector.TryEvaluate(run, start, destination)) return false;
        if (rescale == Rescale.L1 && !split) factor = run.Kernels.DropL1Factor(destination, key, keepLimit);
        run.Kernels.Drop(destination, key, start, keepLimit, factor);
        return true;
    }

    /// <summary>Σ|τ| / Σ|τ·mask| over the whole task vector, from one pass over pieces the size of <paramref name="scratch"/> (whole grid chunks).</summary>
    private float? L1FactorInPieces(DeviceRun run, ulong key, ulong keepLimit, ArrayView1D<float, Stride1D.Dense> scratch)
    {
        ChunkOrderSum before = new(), after = new();
        for (long first = 0; first < Length; first += scratch.Length)
        {
            var piece = scratch.SubView(0, Math.Min(scratch.Length, Length - first));
            if (!taskVector.TryEvaluate(run, first, piece)) return null;
            run.Kernels.AddDropMagnitudeSums(piece, first, key, keepLimit, before, after);
        }
        return Reductions.L1RescaleRatio(before.Value, after.Value);
    }
}
