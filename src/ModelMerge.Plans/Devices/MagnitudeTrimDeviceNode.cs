using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Compute.Gpu;
using ModelMerge.Methods;

namespace ModelMerge.Plans.Devices;

/// <summary>TIES's trim: the top floor(density·n) magnitudes kept (lower index first among equals), then rescaled (<c>MagnitudeTrim</c>).</summary>
internal sealed class MagnitudeTrimDeviceNode(DeviceNode taskVector, double density, Rescale rescale) : DeviceNode
{
    public override long Length => taskVector.Length;

    /// <summary>
    /// The cut is a whole-tensor order statistic; a tensor in pieces finds it first, in passes over
    /// its task vector's pieces, and then trims piece by piece. The L1 rescale needs whole-tensor
    /// sums before and after the cut, so it keeps the tensor whole.
    /// </summary>
    public override bool Elementwise => (density >= 1 || rescale != Rescale.L1) && taskVector.Elementwise;

    public override double ScratchBuffers => 1 + taskVector.ScratchBuffers;

    public override bool TryEvaluate(DeviceRun run, long start, ArrayView1D<float, Stride1D.Dense> destination)
    {
        long n = Length;
        if (density >= 1 || n == 0) return taskVector.TryEvaluate(run, start, destination);
        long k = (long)Math.Floor(density * n);
        // Nothing would survive: the CPU refuses it (DensityTooSmall) with its own message.
        if (k <= 0) return false;
        if (k >= n) return taskVector.TryEvaluate(run, start, destination);
        if (destination.Length < n) return TryEvaluatePiece(run, start, destination, k);

        using var untrimmed = run.Allocate<float>(n);
        if (!taskVector.TryEvaluate(run, 0, untrimmed.View)) return false;
        var cut = run.Kernels.FindTopKByMagnitude(untrimmed.View, k);
        run.Kernels.ApplyMagnitudeCut(untrimmed.View, cut, destination);
        float factor = rescale switch
        {
            Rescale.L1 => run.Kernels.L1RescaleFactor(untrimmed.View, destination),
            Rescale.Inverse => (float)(1.0 / density),
            _ => 1f,
        };
        run.Kernels.Scale(destination, factor);
        return true;
    }

    /// <summary>One piece of a tensor too large to hold whole; the first piece finds the cut for all of them.</summary>
    private bool TryEvaluatePiece(DeviceRun run, long start, ArrayView1D<float, Stride1D.Dense> destination, long k)
    {
        int pieceElements = checked((int)destination.Length);
        if (!run.TryRemember(this, () => run.Kernels.FindTopKByMagnitudeInPieces(Length, k, pieceElements,
                (first, piece) => taskVector.TryEvaluate(run, first, piece)), out DeviceMagnitudeCut cut))
            return false;
        using var untrimmed = run.Allocate<float>(destination.Length);
        if (!taskVector.TryEvaluate(run, start, untrimmed.View)) return false;
        run.Kernels.ApplyMagnitudeCut(untrimmed.View, cut, destination, start);
        run.Kernels.Scale(destination, rescale == Rescale.Inverse ? (float)(1.0 / density) : 1f);
        return true;
    }
}
