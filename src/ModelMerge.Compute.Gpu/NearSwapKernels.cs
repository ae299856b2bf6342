using ILGPU;

namespace ModelMerge.Compute.Gpu;

/// <summary>
/// nearswap's element step, in the CPU's float64 operations and order (<c>NearSwap</c>):
/// w = min(max(t / max(|a − b|, floor), 0), 1), then w·b + (1 − w)·a rounded once, each product
/// rounded before the sum (<see cref="Float64"/>).
/// </summary>
internal static class NearSwapKernels
{
    public static void Blend(Index1D j, ArrayView<float> baseValues, ArrayView<float> other, double t, double minimumDistance, ArrayView<float> output)
    {
        double a = baseValues[j], b = other[j];
        double w = Math.Min(Math.Max(t / Math.Max(Math.Abs(a - b), minimumDistance), 0), 1);
        output[j] = (float)(Float64.Multiply(w, b) + Float64.Multiply(1 - w, a));
    }
}
