using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Methods;

namespace ModelMerge.Plans.Devices;

/// <summary>TIES's trim: the top floor(density·n) magnitudes kept (lower index first among equals), then rescaled (<c>MagnitudeTrim</c>).</summary>
internal sealed class MagnitudeTrimDeviceNode(DeviceNode taskVector, double density, Rescale rescale) : DeviceNode
{
    public override long Length => taskVector.Length;

    /// <summary>The cut is a whole-tensor order statistic, unless nothing is trimmed.</summary>
    public override bool Elementwise => density >= 1 && taskVector.Elementwise;

    public override double ScratchBuffers => 1 + taskVector.ScratchBuffers;

    public override bool TryEvaluate(DeviceRun run, long start, ArrayView1D<float, Stride1D.Dense> destination)
    {
        long n = Length;
        if (density >= 1 || n == 0) return taskVector.TryEvaluate(run, start, destination);
        long k = (long)Math.Floor(density * n);
        // Nothing would survive: the CPU refuses it (DensityTooSmall) with its own message.
        if (k <= 0) return false;
        if (k >= n) return taskVector.TryEvaluate(run, 0, destination);

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
}
