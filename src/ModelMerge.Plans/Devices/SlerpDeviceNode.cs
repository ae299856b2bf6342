using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Compute.Gpu;
using ModelMerge.Methods;

namespace ModelMerge.Plans.Devices;

/// <summary>
/// SLERP as <c>Slerp</c> computes it: the three float64 dot products on the device, summed in the
/// CPU's chunk and lane order, the arc's coefficients on the host, then one combining kernel.
/// </summary>
internal sealed class SlerpDeviceNode(DeviceNode baseTensor, DeviceNode model, double t) : DeviceNode
{
    public override long Length => model.Length;

    public override double ScratchBuffers => 2 + Math.Max(model.ScratchBuffers, baseTensor.ScratchBuffers);

    public override bool TryEvaluate(DeviceRun run, long start, ArrayView1D<float, Stride1D.Dense> destination)
    {
        using var end = run.Allocate<float>(destination.Length);
        using var begin = run.Allocate<float>(destination.Length);
        var kernels = run.Kernels;
        (double Start, double End) coefficients;
        if (destination.Length == Length)
        {
            if (!model.TryEvaluate(run, 0, end.View) || !baseTensor.TryEvaluate(run, 0, begin.View)) return false;
            coefficients = Slerp.Coefficients(kernels.Dot(begin.View, begin.View), kernels.Dot(end.View, end.View), kernels.Dot(end.View, begin.View), t);
        }
        else
        {
            if (!run.TryRemember(this, () => CoefficientsInPieces(run, end.View, begin.View), out coefficients)) return false;
            if (!model.TryEvaluate(run, start, end.View) || !baseTensor.TryEvaluate(run, start, begin.View)) return false;
        }
        using var endCoefficient = run.Allocate<double>(1);
        endCoefficient.View.CopyFromCPU([coefficients.End]);
        kernels.LinearCombination(end.View, endCoefficient.View, begin.View, coefficients.Start, destination);
        return true;
    }

    /// <summary>The arc's coefficients from the three dot products summed over pieces the size of the scratch buffers (whole grid chunks, in order).</summary>
    private (double Start, double End)? CoefficientsInPieces(DeviceRun run, ArrayView1D<float, Stride1D.Dense> end, ArrayView1D<float, Stride1D.Dense> begin)
    {
        ChunkOrderSum beginBegin = new(), endEnd = new(), endBegin = new();
        for (long first = 0; first < Length; first += end.Length)
        {
            long count = Math.Min(end.Length, Length - first);
            var endPiece = end.SubView(0, count);
            var beginPiece = begin.SubView(0, count);
            if (!model.TryEvaluate(run, first, endPiece) || !baseTensor.TryEvaluate(run, first, beginPiece)) return null;
            run.Kernels.AddDot(beginPiece, beginPiece, beginBegin);
            run.Kernels.AddDot(endPiece, endPiece, endEnd);
            run.Kernels.AddDot(endPiece, beginPiece, endBegin);
        }
        return Slerp.Coefficients(beginBegin.Value, endEnd.Value, endBegin.Value, t);
    }
}
