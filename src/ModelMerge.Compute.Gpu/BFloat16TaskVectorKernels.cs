using ILGPU;

namespace ModelMerge.Compute.Gpu;

/// <summary>Task vectors straight from bf16 checkpoints: both widenings and the subtraction in one pass.</summary>
internal static class BFloat16TaskVectorKernels
{
    /// <summary>Widening is exact, so the float32 subtraction is the only rounding, as in <c>BFloat16Conversion.Difference</c>.</summary>
    public static void Difference(Index1D i, ArrayView<ushort> fineTuned, ArrayView<ushort> baseBits, ArrayView<float> taskVector) =>
        taskVector[i] = ConversionKernels.FromBFloat16(fineTuned[i]) - ConversionKernels.FromBFloat16(baseBits[i]);
}
