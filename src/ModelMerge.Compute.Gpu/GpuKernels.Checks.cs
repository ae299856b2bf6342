using ILGPU;
using ILGPU.Runtime;

namespace ModelMerge.Compute.Gpu;

public sealed partial class GpuKernels
{
    private Action<Index1D, ArrayView<float>, ArrayView<int>>? _countNonFinite;

    /// <summary>How many elements are NaN or ±∞ (saturating at int.MaxValue), the test the CPU makes while it widens.</summary>
    public int CountNonFinite(ArrayView<float> values)
    {
        using var count = accelerator.Allocate1D<int>(1);
        count.MemSetToZero();
        (_countNonFinite ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>>(CheckKernels.CountNonFinite))
            ((int)values.Length, values, count.View);
        accelerator.Synchronize();
        return count.GetAsArray1D()[0];
    }
}

internal static class CheckKernels
{
    public static void CountNonFinite(Index1D i, ArrayView<float> values, ArrayView<int> count)
    {
        if ((Interop.FloatAsInt(values[i]) & 0x7F80_0000u) == 0x7F80_0000u) Atomic.Add(ref count[0], 1);
    }
}
