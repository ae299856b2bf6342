using ILGPU;
using ILGPU.Runtime;

namespace ModelMerge.Compute.Gpu;

/// <summary>ram and ramplus_tl on the device (<see cref="RamKernels"/>).</summary>
public sealed partial class GpuKernels
{
    private Action<Index1D, ArrayView<float>, int, double, long, ArrayView<long>>? _ramCounts;
    private Action<Index1D, ArrayView<float>, ArrayView<double>, double, ArrayView<float>, ArrayView<float>>? _ramCombine;

    /// <summary>
    /// Adds, per model, the active values it shares with another model (totals[i]) and those only
    /// it has (totals[models + i]) over <paramref name="n"/> elements of the task vectors (back to back).
    /// </summary>
    public void AddRamOverlap(ArrayView<float> taus, int models, long n, double epsilon, long[] totals)
    {
        long threads = ChunkGrid.ChunkCount(n) * LanePartials.Lanes * models;
        if (threads == 0) return;
        using var counts = accelerator.Allocate1D<long>(2 * threads);
        (_ramCounts ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int, double, long, ArrayView<long>>(RamKernels.CountOverlap))
            ((int)threads, taus, models, epsilon, n, counts.View);
        var perThread = counts.GetAsArray1D();
        for (long t = 0; t < threads; t++)
        {
            int model = (int)(t % models);
            totals[model] += perThread[2 * t];
            totals[models + model] += perThread[2 * t + 1];
        }
    }

    /// <summary>The merged values of <c>ReinforcedAgentMerge</c>'s combine, the base added; its bits.</summary>
    public void RamCombine(ArrayView<float> taus, ArrayView<double> scales, double epsilon, ArrayView<float> baseValues, ArrayView<float> output) =>
        (_ramCombine ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<double>, double, ArrayView<float>, ArrayView<float>>(
            RamKernels.Combine))((int)output.Length, taus, scales, epsilon, baseValues, output);
}
