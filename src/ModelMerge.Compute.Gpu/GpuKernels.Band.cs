using ILGPU;
using ILGPU.Runtime;

namespace ModelMerge.Compute.Gpu;

/// <summary>Breadcrumbs on the device: the two rank boundaries of its band, found by the top-k's radix select, and the band itself.</summary>
public sealed partial class GpuKernels
{
    private Action<Index1D, ArrayView<float>, uint, long, uint, long, ArrayView<float>>? _applyBand;

    /// <summary>
    /// The boundary at <paramref name="position"/> (0 ≤ position &lt; length) of the ascending
    /// magnitude order, lower index first among equals: the positions of <c>RankBoundary.Find</c>.
    /// </summary>
    public DeviceRankBoundary FindRankBoundary(ArrayView<float> values, long position) =>
        (_topK ??= new DeviceTopK(accelerator)).FindBoundary(values, position);

    /// <summary><see cref="FindRankBoundary"/> for a tensor read piece by piece, as <see cref="FindTopKByMagnitudeInPieces"/> reads it; null when a piece was refused.</summary>
    public DeviceRankBoundary? FindRankBoundaryInPieces(long length, long position, int pieceElements, Func<long, ArrayView<float>, bool> readPiece) =>
        (_topK ??= new DeviceTopK(accelerator)).FindBoundaryInPieces(length, position, pieceElements, readPiece);

    /// <summary>
    /// Writes <paramref name="values"/> with what lies outside [<paramref name="lower"/>,
    /// <paramref name="upper"/>) zeroed (+0) into <paramref name="trimmed"/>: <c>MagnitudeBand.Apply</c>
    /// over every chunk. The values are elements [<paramref name="start"/>, start + length) of the
    /// tensor the boundaries were found for.
    /// </summary>
    public void ApplyMagnitudeBand(ArrayView<float> values, DeviceRankBoundary lower, DeviceRankBoundary upper, ArrayView<float> trimmed, long start = 0) =>
        (_applyBand ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, uint, long, uint, long, ArrayView<float>>(MagnitudeKernels.ApplyBand))
            ((int)values.Length, values, lower.ThresholdBits, lower.LastTieBelow - start, upper.ThresholdBits, upper.LastTieBelow - start, trimmed);
}
