using ILGPU;
using ILGPU.Runtime;

namespace ModelMerge.Compute.Gpu;

/// <summary>
/// TIES with bf16 checkpoints: the merged result stored as bits (the task vectors come from
/// <see cref="BFloat16Difference"/>), so neither the base nor the output crosses the device's memory in float32.
/// </summary>
public sealed partial class GpuKernels
{
    private Action<Index1D, ArrayView<float>, ArrayView<double>, int, int, double, ArrayView<ushort>, ArrayView<ushort>>? _signConsensusBFloat16;

    /// <summary>
    /// <see cref="SignConsensus"/> with a bf16 base (empty for none) and bf16 output: the bytes of
    /// <c>SignConsensus.Combine</c> followed by <c>BFloat16Conversion.FromSingle</c>, as a bf16 export writes them.
    /// </summary>
    public void SignConsensusBFloat16(ArrayView<float> deltas, ArrayView<double> weights, bool countSigns, bool normalize, double lambda,
        ArrayView<ushort> baseBits, ArrayView<ushort> output)
    {
        if (deltas.Length < weights.Length * output.Length) throw new ArgumentException("the deltas must hold one vector per weight.", nameof(deltas));
        if (baseBits.Length != 0 && baseBits.Length < output.Length) throw new ArgumentException("the base is shorter than the output.", nameof(baseBits));
        (_signConsensusBFloat16 ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<double>, int, int, double, ArrayView<ushort>, ArrayView<ushort>>(
            SignConsensusKernels.CombineBFloat16))
            ((int)output.Length, deltas, weights, countSigns ? 1 : 0, normalize ? 1 : 0, lambda, baseBits, output);
    }
}
