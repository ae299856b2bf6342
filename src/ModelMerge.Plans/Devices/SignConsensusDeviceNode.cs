using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Methods;

namespace ModelMerge.Plans.Devices;

/// <summary>TIES's sign election and disjoint mean over trimmed task vectors, the base added in (<c>SignConsensusPlan</c>).</summary>
internal sealed class SignConsensusDeviceNode(DeviceNode? baseTensor, IReadOnlyList<DeviceNode> taskVectors, double[] weights, SignRule rule,
    bool normalize, double lambda) : CombiningDeviceNode(baseTensor, taskVectors, weights)
{
    protected override void Combine(DeviceRun run, ArrayView<float> terms, ArrayView<double> weights, ArrayView<float> baseValues,
        ArrayView1D<float, Stride1D.Dense> destination) =>
        run.Kernels.SignConsensus(terms, weights, rule == SignRule.Count, normalize, lambda, baseValues, destination);
}
