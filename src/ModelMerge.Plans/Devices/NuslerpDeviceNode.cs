using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Methods;

namespace ModelMerge.Plans.Devices;

/// <summary>
/// nuslerp over the whole flattened tensor (<c>Nuslerp</c>, nuslerp_flatten): the pair's three
/// dot products on the device in the CPU's order, its guarded arc coefficients on the host, then
/// c₀·a + c₁·b (+ the base, when the pair are task vectors) in one combining kernel.
/// </summary>
internal sealed class NuslerpDeviceNode(DeviceNode? baseTensor, DeviceNode first, DeviceNode second, double t) : DeviceNode
{
    /// <summary>a·a, b·b, a·b.</summary>
    private static readonly (int, int)[] Pairs = [(0, 0), (1, 1), (0, 1)];

    public override long Length => first.Length;

    public override double ScratchBuffers =>
        2 + (baseTensor is null ? 0 : 1) + Math.Max(Math.Max(first.ScratchBuffers, second.ScratchBuffers), baseTensor?.ScratchBuffers ?? 0);

    public override bool TryEvaluate(DeviceRun run, long start, ArrayView1D<float, Stride1D.Dense> destination)
    {
        long n = destination.Length;
        using var pair = run.Allocate<float>(2 * n);
        ArrayView1D<float, Stride1D.Dense>[] views = [pair.View.SubView(0, n), pair.View.SubView(n, n)];
        (double First, double Second) coefficients;
        if (n == Length)
        {
            if (!first.TryEvaluate(run, 0, views[0]) || !second.TryEvaluate(run, 0, views[1])) return false;
            coefficients = Coefficients(DeviceDots.Whole(run.Kernels, views, Pairs));
        }
        else if (!run.TryRemember(this, () => DeviceDots.InPieces(run, [first, second], Pairs, views) is { } dots ? Coefficients(dots) : null, out coefficients)
            || !first.TryEvaluate(run, start, views[0]) || !second.TryEvaluate(run, start, views[1])) return false;

        using var baseValues = baseTensor is null ? null : run.Allocate<float>(n);
        if (baseTensor is not null && !baseTensor.TryEvaluate(run, start, baseValues!.View)) return false;
        using var deviceCoefficients = run.Allocate<double>(2);
        deviceCoefficients.View.CopyFromCPU([coefficients.First, coefficients.Second]);
        run.Kernels.LinearCombination(pair.View, deviceCoefficients.View, baseValues is null ? ArrayView<float>.Empty : baseValues.View, baseTensor is null ? 0 : 1,
            destination);
        return true;
    }

    private (double First, double Second) Coefficients(double[] dots) => Nuslerp.Coefficients(dots[0], dots[1], dots[2], t);
}
