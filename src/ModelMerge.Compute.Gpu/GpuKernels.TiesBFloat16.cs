using ILGPU;
using ILGPU.Runtime;

namespace ModelMerge.Compute.Gpu;

/// <summary>
/// TIES with bf16 checkpoints: the task vector computed from the stored bits and the merged
/// result stored as bits, so neither the base nor the output crosses the device's memory in float32.
/// </summary>
public sealed partial class GpuKernels
{
    private Action<Index1D, ArrayView<ushort>, ArrayView<ushort>, ArrayView<float>>? _bfloat16Difference;
    private Action<Index1D, ArrayView<float>, ArrayView<double>, int, int, double, ArrayView<ushort>, ArrayView<ushort>>? _signConsensusBFloat16;

    /// <summary>
    /// τ = fine-tuned − base from bf16 bits, in float32: the values of <c>BFloat16Conversion.Difference</c>
    /// (which also reports non-finite inputs; this does not, so check the inputs apart when they must be finite).
    /// </summary>
    public void BFloat16Difference(ArrayView<ushort> fineTuned, ArrayView<ushort> baseBits, ArrayView<float> taskVector) =>
        (_bfloat16Difference ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<ushort>, ArrayView<ushort>, ArrayView<float>>(
            BFloat16TaskVectorKernels.Difference))((int)taskVector.Length, fineTuned, baseBits, taskVector);

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
