using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Compute.Cpu;
using ModelMerge.Compute.Gpu;
using ModelMerge.Methods;

namespace ModelMerge.Plans.Devices;

/// <summary>TIES's trim: the top floor(density·n) magnitudes kept (lower index first among equals), then rescaled (<c>MagnitudeTrim</c>).</summary>
internal sealed class MagnitudeTrimDeviceNode(DeviceNode taskVector, double density, Rescale rescale) : DeviceNode
{
    public override long Length => taskVector.Length;

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
        float factor = rescale == Rescale.L1 ? run.Kernels.L1RescaleFactor(untrimmed.View, destination) : SurvivorRescale.Fixed(rescale, density);
        run.Kernels.Scale(destination, factor);
        return true;
    }

    /// <summary>One piece of a tensor too large to hold whole; the first piece finds the cut (and L1 factor) for all of them.</summary>
    private bool TryEvaluatePiece(DeviceRun run, long start, ArrayView1D<float, Stride1D.Dense> destination, long k)
    {
        if (!run.TryRemember(this, () => TrimInPieces(run, k, destination), out PieceTrim trim)) return false;
        using var untrimmed = run.Allocate<float>(destination.Length);
        if (!taskVector.TryEvaluate(run, start, untrimmed.View)) return false;
        run.Kernels.ApplyMagnitudeCut(untrimmed.View, trim.Cut, destination, start);
        run.Kernels.Scale(destination, trim.Factor);
        return true;
    }

    /// <summary>
    /// The whole task vector's cut and rescale factor, from passes over pieces the size of
    /// <paramref name="scratch"/> (a whole number of grid chunks, so the L1 sums split as the
    /// CPU's do). The scratch is the caller's destination, written again afterwards.
    /// </summary>
    private PieceTrim? TrimInPieces(DeviceRun run, long k, ArrayView1D<float, Stride1D.Dense> scratch)
    {
        int pieceElements = checked((int)scratch.Length);
        var cut = run.Kernels.FindTopKByMagnitudeInPieces(Length, k, pieceElements, (first, piece) => taskVector.TryEvaluate(run, first, piece));
        if (cut is null) return null;
        if (rescale != Rescale.L1) return new PieceTrim(cut.Value, SurvivorRescale.Fixed(rescale, density));

        ChunkOrderSum before = new(), after = new();
        using var untrimmed = run.Allocate<float>(pieceElements);
        for (long first = 0; first < Length; first += pieceElements)
        {
            int count = (int)Math.Min(pieceElements, Length - first);
            var piece = untrimmed.View.SubView(0, count);
            var trimmed = scratch.SubView(0, count);
            if (!taskVector.TryEvaluate(run, first, piece)) return null;
            run.Kernels.AddSumOfMagnitudes(piece, before);
            run.Kernels.ApplyMagnitudeCut(piece, cut.Value, trimmed, first);
            run.Kernels.AddSumOfMagnitudes(trimmed, after);
        }
        return new PieceTrim(cut.Value, Reductions.L1RescaleRatio(before.Value, after.Value));
    }

    private readonly record struct PieceTrim(DeviceMagnitudeCut Cut, float Factor);
}
