using ILGPU;
using ILGPU.Runtime;

namespace ModelMerge.Plans.Devices;

/// <summary>The linear method (a model soup) as <c>Linear</c> computes it: Σ w_i·θ_i over Σ w_i when normalizing.</summary>
internal sealed class LinearDeviceNode(IReadOnlyList<DeviceNode> models, double[] weights, bool normalize) : DeviceNode
{
    public override long Length => models[0].Length;

    public override bool Elementwise => models.All(m => m.Elementwise);

    public override double ScratchBuffers => models.Count + models.Max(m => m.ScratchBuffers);

    public override bool TryEvaluate(DeviceRun run, long start, ArrayView1D<float, Stride1D.Dense> destination)
    {
        double sum = weights.Sum();
        // Weights that cancel: the CPU refuses them (WeightsSumToZero) with its own message.
        if (normalize && Math.Abs(sum) < 1e-8) return false;
        using var packed = run.Pack(models, start, destination.Length);
        if (packed is null) return false;
        using var deviceWeights = run.Allocate<double>(weights.Length);
        deviceWeights.View.CopyFromCPU(weights);
        run.Kernels.WeightedSum(packed.View, deviceWeights.View, normalize ? sum : 1, 1.0, ArrayView<float>.Empty, destination);
        return true;
    }
}
