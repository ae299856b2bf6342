using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Compute.Cpu;
using ModelMerge.Compute.Gpu;
using ModelMerge.Methods;

namespace ModelMerge.Plans.Devices;

/// <summary>
/// A task vector masked by its magnitudes, then rescaled (<c>SurvivorRescale</c>): the mask is
/// found once over the whole tensor (whole, or in passes over its pieces) and applied
/// elementwise; the L1 rule's two sums run per grid chunk in chunk order, as the CPU's do.
/// </summary>
/// <typeparam name="TMask">What the elementwise kernel needs of the whole tensor: a cut, a band.</typeparam>
internal abstract class MagnitudeMaskDeviceNode<TMask>(DeviceNode taskVector, double density, Rescale rescale) : DeviceNode where TMask : struct
{
    protected enum Treatment
    {
        /// <summary>The CPU refuses the settings with its own message; so the CPU computes the tensor.</summary>
        Refuse,

        /// <summary>Nothing is masked or rescaled: the task vector as it is.</summary>
        PassThrough,

        Mask,
    }

    public override long Length => taskVector.Length;

    protected double Density => density;

    public override double ScratchBuffers => 1 + taskVector.ScratchBuffers;

    protected abstract Treatment Decide();

    /// <summary>The mask of <paramref name="whole"/>, the whole task vector.</summary>
    protected abstract TMask Find(DeviceRun run, ArrayView<float> whole);

    /// <summary>The mask of the task vector from passes over pieces of <paramref name="pieceElements"/>; null when a piece was refused.</summary>
    protected abstract TMask? FindInPieces(DeviceRun run, int pieceElements, Func<long, ArrayView<float>, bool> readPiece);

    /// <summary>Writes elements [start, start + values.Length) of the task vector, masked, into <paramref name="masked"/>.</summary>
    protected abstract void Apply(DeviceRun run, TMask mask, ArrayView<float> values, ArrayView<float> masked, long start);

    public sealed override bool TryEvaluate(DeviceRun run, long start, ArrayView1D<float, Stride1D.Dense> destination)
    {
        switch (Decide())
        {
            case Treatment.Refuse: return false;
            case Treatment.PassThrough: return taskVector.TryEvaluate(run, start, destination);
        }
        if (destination.Length < Length) return TryEvaluatePiece(run, start, destination);

        using var unmasked = run.Allocate<float>(Length);
        if (!taskVector.TryEvaluate(run, 0, unmasked.View)) return false;
        Apply(run, Find(run, unmasked.View), unmasked.View, destination, 0);
        float factor = rescale == Rescale.L1 ? run.Kernels.L1RescaleFactor(unmasked.View, destination) : SurvivorRescale.Fixed(rescale, density);
        run.Kernels.Scale(destination, factor);
        return true;
    }

    /// <summary>One piece of a tensor too large to hold whole; the first piece finds the mask (and L1 factor) for all of them.</summary>
    private bool TryEvaluatePiece(DeviceRun run, long start, ArrayView1D<float, Stride1D.Dense> destination)
    {
        if (!run.TryRemember(this, () => MaskInPieces(run, destination), out PieceMask mask)) return false;
        using var unmasked = run.Allocate<float>(destination.Length);
        if (!taskVector.TryEvaluate(run, start, unmasked.View)) return false;
        Apply(run, mask.Mask, unmasked.View, destination, start);
        run.Kernels.Scale(destination, mask.Factor);
        return true;
    }

    /// <summary>
    /// The whole task vector's mask and rescale factor, from passes over pieces the size of
    /// <paramref name="scratch"/> (a whole number of grid chunks, so the L1 sums split as the
    /// CPU's do). The scratch is the caller's destination, written again afterwards.
    /// </summary>
    private PieceMask? MaskInPieces(DeviceRun run, ArrayView1D<float, Stride1D.Dense> scratch)
    {
        int pieceElements = checked((int)scratch.Length);
        if (FindInPieces(run, pieceElements, (first, piece) => taskVector.TryEvaluate(run, first, piece)) is not TMask mask) return null;
        if (rescale != Rescale.L1) return new PieceMask(mask, SurvivorRescale.Fixed(rescale, density));

        ChunkOrderSum before = new(), after = new();
        using var unmasked = run.Allocate<float>(pieceElements);
        for (long first = 0; first < Length; first += pieceElements)
        {
            int count = (int)Math.Min(pieceElements, Length - first);
            var piece = unmasked.View.SubView(0, count);
            var masked = scratch.SubView(0, count);
            if (!taskVector.TryEvaluate(run, first, piece)) return null;
            run.Kernels.AddSumOfMagnitudes(piece, before);
            Apply(run, mask, piece, masked, first);
            run.Kernels.AddSumOfMagnitudes(masked, after);
        }
        return new PieceMask(mask, Reductions.L1RescaleRatio(before.Value, after.Value));
    }

    private readonly record struct PieceMask(TMask Mask, float Factor);
}
