using ILGPU;
using ModelMerge.Compute.Gpu;
using ModelMerge.Methods;

namespace ModelMerge.Plans.Devices;

/// <summary>
/// Breadcrumbs' trim (<c>OutlierTrim</c>): of the magnitudes in ascending order (lower index
/// first among equals) the band [bottom, n − top) is kept, then rescaled. Each edge is one radix
/// select; an edge with nothing beyond it needs none.
/// </summary>
internal sealed class OutlierTrimDeviceNode(DeviceNode taskVector, double density, double gamma, Rescale rescale, bool mergekitQuirks)
    : MagnitudeMaskDeviceNode<OutlierTrimDeviceNode.Band>(taskVector, density, rescale)
{
    internal readonly record struct Band(DeviceRankBoundary Lower, DeviceRankBoundary Upper);

    protected override Treatment Decide() =>
        Density >= 1 || Length == 0 ? Treatment.PassThrough
        // Nothing would survive, or gamma is no fraction: the CPU refuses it (DensityTooSmall, GammaOutOfRange) with its own message.
        : (long)Math.Floor(Density * Length) <= 0 || !(gamma >= 0) ? Treatment.Refuse
        : Treatment.Mask;

    private (long Top, long Bottom) Edges()
    {
        var (_, top, bottom) = OutlierTrim.Counts(Density, gamma, Length, tensorName: "");
        return (top, bottom);
    }

    /// <summary>With no outlier to drop the band runs past the largest magnitude; mergekit's empty slice keeps nothing instead.</summary>
    private DeviceRankBoundary NoUpperEdge => mergekitQuirks ? DeviceRankBoundary.First : DeviceRankBoundary.PastLast;

    protected override Band Find(DeviceRun run, ArrayView<float> whole)
    {
        var (top, bottom) = Edges();
        return new Band(
            bottom > 0 ? run.Kernels.FindRankBoundary(whole, bottom) : DeviceRankBoundary.First,
            top > 0 ? run.Kernels.FindRankBoundary(whole, Length - top) : NoUpperEdge);
    }

    protected override Band? FindInPieces(DeviceRun run, int pieceElements, Func<long, ArrayView<float>, bool> readPiece)
    {
        var (top, bottom) = Edges();
        DeviceRankBoundary? Edge(long position, DeviceRankBoundary none) =>
            position > 0 ? run.Kernels.FindRankBoundaryInPieces(Length, position, pieceElements, readPiece) : none;
        return Edge(bottom, DeviceRankBoundary.First) is { } lower && Edge(top > 0 ? Length - top : 0, NoUpperEdge) is { } upper
            ? new Band(lower, upper) : null;
    }

    protected override void Apply(DeviceRun run, Band band, ArrayView<float> values, ArrayView<float> masked, long start) =>
        run.Kernels.ApplyMagnitudeBand(values, band.Lower, band.Upper, masked, start);
}
