using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Methods;

namespace ModelMerge.Plans.Devices;

/// <summary>TIES's sign election and disjoint mean over trimmed task vectors, the base added in (<c>SignConsensusPlan</c>).</summary>
internal sealed class SignConsensusDeviceNode(DeviceNode? baseTensor, IReadOnlyList<DeviceNode> taskVectors, double[] weights, SignRule rule,
    bool normalize, double lambda) : DeviceNode
{
    public override long Length => taskVectors[0].Length;

    public override bool Elementwise => taskVectors.All(t => t.Elementwise) && baseTensor?.Elementwise != false;

    public override double ScratchBuffers =>
        taskVectors.Count + (baseTensor is null ? 0 : 1 + baseTensor.ScratchBuffers) + taskVectors.Max(t => t.ScratchBuffers);

    public override bool TryEvaluate(DeviceRun run, long start, ArrayView1D<float, Stride1D.Dense> destination)
    {
        using var deltas = run.Pack(taskVectors, start, destination.Length);
        if (deltas is null) return false;
        using var baseValues = baseTensor is null ? null : run.Allocate<float>(destination.Length);
        if (baseTensor is not null && !baseTensor.TryEvaluate(run, start, baseValues!.View)) return false;
        using var deviceWeights = run.Allocate<double>(weights.Length);
        deviceWeights.View.CopyFromCPU(weights);
        run.Kernels.SignConsensus(deltas.View, deviceWeights.View, rule == SignRule.Count, normalize, lambda,
            baseValues is null ? ArrayView<float>.Empty : baseValues.View, destination);
        return true;
    }
}
