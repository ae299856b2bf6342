using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Compute.Gpu;
using ModelMerge.Methods;

namespace ModelMerge.Plans.Devices;

/// <summary>
/// Model Stock (<c>ModelStock</c>): the offsets' Gram sums per row (the whole tensor, or each row
/// along the last axis with filter_wise) in the CPU's order, the ratio t of each on the host, then
/// θ_b + (t/N)·Σ o_i in one kernel whose float64 steps are the CPU blend's.
/// </summary>
internal sealed class ModelStockDeviceNode(DeviceNode baseTensor, IReadOnlyList<DeviceNode> offsets, long rowLength)
    : RowGramDeviceNode(baseTensor, offsets, rowLength, ModelStock.GramPairs(offsets.Count))
{
    protected override (double[] Values, IReadOnlyList<string> Remarks)? Parameters(RowOrderSums sums, CancellationToken cancellation)
    {
        int n = InputCount, width = sums.Width;
        var ratios = new double[sums.Totals.Length / width];
        for (int r = 0; r < ratios.Length; r++)
        {
            ratios[r] = ModelStock.Ratio(sums.Totals.Slice(r * width, width), n);
            // Not finite: the CPU refuses it (ModelStockRatioNotFinite) with its own message.
            if (!double.IsFinite(ratios[r])) return null;
        }
        return (Array.ConvertAll(ratios, t => t / n), [.. ModelStock.Blend.RemarksOn(ratios)]);
    }

    protected override void Combine(DeviceRun run, ArrayView<float> packed, double[] values, ArrayView<double> scales, ArrayView<float> baseValues, long start,
        ArrayView1D<float, Stride1D.Dense> destination)
    {
        using var ones = run.Allocate<double>(InputCount);
        ones.View.CopyFromCPU(Enumerable.Repeat(1.0, InputCount).ToArray());
        run.Kernels.WeightedSumRows(packed, ones.View, scales, RowLength, start, baseValues, destination);
    }
}
