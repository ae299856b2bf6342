using ILGPU;
using ILGPU.Runtime;

namespace ModelMerge.Plans.Devices;

/// <summary>base + scale·(Σ w_i·x_i)/divisor in float64, rounded once: linear merges and task arithmetic (<c>WeightedSumPlan</c>).</summary>
internal sealed class WeightedSumDeviceNode(DeviceNode? baseTensor, IReadOnlyList<DeviceNode> terms, double[] weights, double divisor, double scale)
    : DeviceNode
{
    public override long Length => terms[0].Length;

    public override bool Elementwise => terms.All(t => t.Elementwise) && baseTensor?.Elementwise != false;

    public override double ScratchBuffers =>
        terms.Count + (baseTensor is null ? 0 : 1 + baseTensor.ScratchBuffers) + terms.Max(t => t.ScratchBuffers);

    public override bool TryEvaluate(DeviceRun run, long start, ArrayView1D<float, Stride1D.Dense> destination)
    {
        using var packed = run.Pack(terms, start, destination.Length);
        if (packed is null) return false;
        using var baseValues = baseTensor is null ? null : run.Allocate<float>(destination.Length);
        if (baseTensor is not null && !baseTensor.TryEvaluate(run, start, baseValues!.View)) return false;
        using var deviceWeights = run.Allocate<double>(weights.Length);
        deviceWeights.View.CopyFromCPU(weights);
        run.Kernels.WeightedSum(packed.View, deviceWeights.View, divisor, scale, baseValues is null ? ArrayView<float>.Empty : baseValues.View, destination);
        return true;
    }
}
