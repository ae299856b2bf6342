using ILGPU;
using ILGPU.Runtime;

namespace ModelMerge.Compute.Gpu;

/// <summary>SCE's steps on the device (<see cref="SceKernels"/>); the top-k of the variances is <see cref="FindTopKByMagnitude"/>'s.</summary>
public sealed partial class GpuKernels
{
    private Action<Index1D, ArrayView<float>, int, ArrayView<float>>? _sceVariance;
    private Action<Index1D, ArrayView<float>, ArrayView<long>>? _countZeros;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>? _sceMask;
    private Action<Index1D, ArrayView<float>, ArrayView<double>, ArrayView<float>, double, ArrayView<float>, ArrayView<float>>? _sceErase;

    /// <summary>Each element's variance across the <paramref name="models"/> task vectors in <paramref name="taus"/> (back to back, variance.Length each).</summary>
    public void SceVariance(ArrayView<float> taus, int models, ArrayView<float> variance) =>
        (_sceVariance ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int, ArrayView<float>>(SceKernels.Variance))
            ((int)variance.Length, taus, models, variance);

    /// <summary>How many elements equal zero (either sign).</summary>
    public long CountZeros(ArrayView<float> values)
    {
        using var count = accelerator.Allocate1D<long>(1);
        count.MemSetToZero();
        (_countZeros ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<long>>(SceKernels.CountZeros))
            ((int)values.Length, values, count.View);
        return count.GetAsArray1D()[0];
    }

    /// <summary>τ kept where <paramref name="keptVariance"/> is non-zero, +0 elsewhere: SCE's masked task vector.</summary>
    public void SceMask(ArrayView<float> tau, ArrayView<float> keptVariance, ArrayView<float> masked) =>
        (_sceMask ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>(SceKernels.Mask))
            ((int)masked.Length, tau, keptVariance, masked);

    /// <summary>SCE's erase and weighted mean over the task vectors, the base added; the bits of <c>Sce</c>'s merge.</summary>
    public void SceErase(ArrayView<float> taus, ArrayView<double> weights, ArrayView<float> keptVariance, double minimumDivisor, ArrayView<float> baseValues,
        ArrayView<float> output) =>
        (_sceErase ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<double>, ArrayView<float>, double, ArrayView<float>, ArrayView<float>>(
            SceKernels.Erase))((int)output.Length, taus, weights, keptVariance, minimumDivisor, baseValues, output);
}
