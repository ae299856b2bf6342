using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Methods;

namespace ModelMerge.Plans.Devices;

/// <summary>
/// SLERP as <c>Slerp</c> computes it: the three float64 dot products on the device, summed in the
/// CPU's chunk and lane order, the arc's coefficients on the host, then one combining kernel.
/// </summary>
internal sealed class SlerpDeviceNode(DeviceNode baseTensor, DeviceNode model, double t) : DeviceNode
{
    /// <summary>begin·begin, end·end, end·begin, with begin input 0 and end input 1.</summary>
    private static readonly (int, int)[] Pairs = [(0, 0), (1, 1), (1, 0)];

    public override long Length => model.Length;

    public override double ScratchBuffers => 2 + Math.Max(model.ScratchBuffers, baseTensor.ScratchBuffers);

    public override bool TryEvaluate(DeviceRun run, long start, ArrayView1D<float, Stride1D.Dense> destination)
    {
        using var end = run.Allocate<float>(destination.Length);
        using var begin = run.Allocate<float>(destination.Length);
        ArrayView1D<float, Stride1D.Dense>[] views = [begin.View, end.View];
        (double Start, double End) coefficients;
        if (destination.Length == Length)
        {
            if (!model.TryEvaluate(run, 0, end.View) || !baseTensor.TryEvaluate(run, 0, begin.View)) return false;
            coefficients = Coefficients(DeviceDots.Whole(run.Kernels, views, Pairs));
        }
        else
        {
            if (!run.TryRemember(this, () => DeviceDots.InPieces(run, [baseTensor, model], Pairs, views) is { } dots ? Coefficients(dots) : null, out coefficients))
                return false;
            if (!model.TryEvaluate(run, start, end.View) || !baseTensor.TryEvaluate(run, start, begin.View)) return false;
        }
        using var endCoefficient = run.Allocate<double>(1);
        endCoefficient.View.CopyFromCPU([coefficients.End]);
        run.Kernels.LinearCombination(end.View, endCoefficient.View, begin.View, coefficients.Start, destination);
        return true;
    }

    private (double Start, double End) Coefficients(double[] dots) => Slerp.Coefficients(dots[0], dots[1], dots[2], t);
}
