using ILGPU;
using ModelMerge.Compute.Gpu;
using ModelMerge.Methods;

namespace ModelMerge.Plans.Devices;

/// <summary>TIES's trim: the top floor(density·n) magnitudes kept (lower index first among equals), then rescaled (<c>MagnitudeTrim</c>).</summary>
internal sealed class MagnitudeTrimDeviceNode(DeviceNode taskVector, double density, Rescale rescale)
    : MagnitudeMaskDeviceNode<DeviceMagnitudeCut>(taskVector, density, rescale)
{
    private long Keep => (long)Math.Floor(Density * Length);

    protected override Treatment Decide() =>
        Density >= 1 || Length == 0 || Keep >= Length ? Treatment.PassThrough
        // Nothing would survive: the CPU refuses it (DensityTooSmall) with its own message.
        : Keep <= 0 ? Treatment.Refuse
        : Treatment.Mask;

    protected override DeviceMagnitudeCut Find(DeviceRun run, ArrayView<float> whole) => run.Kernels.FindTopKByMagnitude(whole, Keep);

    protected override DeviceMagnitudeCut? FindInPieces(DeviceRun run, int pieceElements, Func<long, ArrayView<float>, bool> readPiece) =>
        run.Kernels.FindTopKByMagnitudeInPieces(Length, Keep, pieceElements, readPiece);

    protected override void Apply(DeviceRun run, DeviceMagnitudeCut cut, ArrayView<float> values, ArrayView<float> masked, long start) =>
        run.Kernels.ApplyMagnitudeCut(values, cut, masked, start);
}
