using ILGPU;
using ILGPU.Runtime;

namespace ModelMerge.Compute.Gpu;

/// <summary>
/// The element kernels of the merges (conversions, task vectors, weighted sums, DARE's drop,
/// slerp's reductions and combine), each giving the bits of the CPU function it names. Views are
/// device buffers; every call is queued on the accelerator's default stream, except the
/// reductions, which wait for their sums to come back.
/// </summary>
public sealed partial class GpuKernels
{
    private Action<Index1D, ArrayView<ushort>, ArrayView<float>>? _widenHalf;
    private Action<Index1D, ArrayView<float>, ArrayView<ushort>>? _narrowHalf;
    private Action<Index1D, ArrayView<ushort>, ArrayView<ushort>, ArrayView<float>>? _bfloat16Difference;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>? _singleDifference;

    /// <summary>float32 ← IEEE half bits, exactly; NaNs quieted as .NET's <c>Half</c> does. Matches <c>ElementConversion.ToSingle(DType.F16, …)</c>.</summary>
    public void WidenHalf(ArrayView<ushort> source, ArrayView<float> destination) =>
        (_widenHalf ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<ushort>, ArrayView<float>>(HalfConversionKernels.WidenHalf))
            ((int)source.Length, source, destination);

    /// <summary>IEEE half bits ← float32, nearest even. Matches <c>ElementConversion.FromSingle(DType.F16, …)</c>.</summary>
    public void NarrowHalf(ArrayView<float> source, ArrayView<ushort> destination) =>
        (_narrowHalf ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<ushort>>(HalfConversionKernels.NarrowHalf))
            ((int)source.Length, source, destination);

    /// <summary>
    /// float32 in, float32 out: <c>ElementConversion</c>'s F32 case is a plain copy both ways, and
    /// so is this (a device copy on the default stream, ordered with the kernels around it).
    /// </summary>
    public static void CopySingle(ArrayView<float> source, ArrayView<float> destination) => source.CopyTo(destination);

    /// <summary>a − b from bf16 bits, widened exactly and rounded once to float32. Matches <c>BFloat16Conversion.Difference</c>.</summary>
    public void BFloat16Difference(ArrayView<ushort> a, ArrayView<ushort> b, ArrayView<float> destination) =>
        (_bfloat16Difference ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<ushort>, ArrayView<ushort>, ArrayView<float>>(
            DifferenceKernels.BFloat16Difference))((int)a.Length, a, b, destination);

    /// <summary>
    /// a − b of float32 inputs (F32 tensors, or F16 and mixed types widened first). Matches
    /// <c>ElementConversion.Difference</c> for any pair other than bf16 and bf16.
    /// </summary>
    public void SingleDifference(ArrayView<float> a, ArrayView<float> b, ArrayView<float> destination) =>
        (_singleDifference ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>(
            DifferenceKernels.SingleDifference))((int)a.Length, a, b, destination);
}
