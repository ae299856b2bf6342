using ILGPU;
using ILGPU.Runtime;

namespace ModelMerge.Plans.Devices;

/// <summary>
/// A node that combines weighted inputs element by element, with an optional base: its inputs are
/// evaluated back to back into one buffer and the weights copied to the device, then one kernel
/// (<see cref="Combine"/>) writes the result.
/// </summary>
internal abstract class CombiningDeviceNode(DeviceNode? baseTensor, IReadOnlyList<DeviceNode> terms, double[] weights) : DeviceNode
{
    public override long Length => terms[0].Length;

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
        Combine(run, packed.View, deviceWeights.View, baseValues is null ? ArrayView<float>.Empty : baseValues.View, destination);
        return true;
    }

    /// <param name="terms">The inputs back to back, input i at [i·n, (i+1)·n).</param>
    /// <param name="baseValues">The base, or an empty view for none.</param>
    protected abstract void Combine(DeviceRun run, ArrayView<float> terms, ArrayView<double> weights, ArrayView<float> baseValues,
        ArrayView1D<float, Stride1D.Dense> destination);
}
