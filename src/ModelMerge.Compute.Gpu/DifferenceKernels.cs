using ILGPU;

namespace ModelMerge.Compute.Gpu;

/// <summary>
/// Task vectors τ = a − b on the device: each input widened exactly to float32, the difference
/// rounded once to float32, as <c>ElementConversion.Difference</c> does on the CPU. One float32
/// subtraction is correctly rounded on any IEEE device, so the bits are the CPU's.
/// </summary>
internal static class DifferenceKernels
{
    public static void BFloat16Difference(Index1D i, ArrayView<ushort> a, ArrayView<ushort> b, ArrayView<float> destination) =>
        destination[i] = Interop.IntAsFloat((uint)a[i] << 16) - Interop.IntAsFloat((uint)b[i] << 16);

    public static void SingleDifference(Index1D i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> destination) =>
        destination[i] = a[i] - b[i];
}
