using ILGPU;
using ILGPU.Runtime;

namespace ModelMerge.Plans.Devices;

/// <summary>base + scale·(Σ w_i·x_i)/divisor in float64, rounded once: linear merges and task arithmetic (<c>WeightedSumPlan</c>).</summary>
internal sealed class WeightedSumDeviceNode(DeviceNode? baseTensor, IReadOnlyList<DeviceNode> terms, double[] weights, double divisor, double scale)
    : CombiningDeviceNode(baseTensor, terms, weights)
{
    protected override void Combine(DeviceRun run, ArrayView<float> terms, ArrayView<double> weights, ArrayView<float> baseValues,
        ArrayView1D<float, Stride1D.Dense> destination) =>
        run.Kernels.WeightedSum(terms, weights, divisor, scale, baseValues, destination);
}
