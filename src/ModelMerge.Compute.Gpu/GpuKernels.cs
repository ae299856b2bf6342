using ILGPU;
using ILGPU.Runtime;

namespace ModelMerge.Compute.Gpu;

/// <summary>
/// The compiled kernels of one accelerator. Each is loaded (and compiled) on first use and kept
/// for the accelerator's life, so no tensor pays for compilation after the first.
/// </summary>
public sealed partial class GpuKernels(Accelerator accelerator)
{
    private Action<Index1D, ArrayView<ushort>, ArrayView<float>>? _widenBFloat16;
    private Action<Index1D, ArrayView<float>, ArrayView<ushort>>? _narrowBFloat16;

    /// <summary>float32 ← bf16 bits, exactly (a shift).</summary>
    public void WidenBFloat16(ArrayView<ushort> source, ArrayView<float> destination) =>
        (_widenBFloat16 ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<ushort>, ArrayView<float>>(ConversionKernels.WidenBFloat16))
            ((int)source.Length, source, destination);

    /// <summary>bf16 bits ← float32, round to nearest even, NaN kept a NaN: the bits the CPU's conversion gives.</summary>
    public void NarrowBFloat16(ArrayView<float> source, ArrayView<ushort> destination) =>
        (_narrowBFloat16 ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<ushort>>(ConversionKernels.NarrowBFloat16))
            ((int)source.Length, source, destination);
}
