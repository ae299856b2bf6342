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
    public override long Length => model.Length;

    public override bool Elementwise => false;

    public override double ScratchBuffers => 2 + Math.Max(model.ScratchBuffers, baseTensor.ScratchBuffers);

    public override bool TryEvaluate(DeviceRun run, long start, ArrayView1D<float, Stride1D.Dense> destination)
    {
        using var end = run.Allocate<float>(Length);
        using var begin = run.Allocate<float>(Length);
        if (!model.TryEvaluate(run, 0, end.View) || !baseTensor.TryEvaluate(run, 0, begin.View)) return false;
        var kernels = run.Kernels;
        var (startCoefficient, endCoefficient) = Slerp.Coefficients(kernels.Dot(begin.View, begin.View), kernels.Dot(end.View, end.View),
            kernels.Dot(end.View, begin.View), t);
        using var coefficients = run.Allocate<double>(1);
        coefficients.View.CopyFromCPU([endCoefficient]);
        kernels.LinearCombination(end.View, coefficients.View, begin.View, startCoefficient, destination);
        return true;
    }
}
