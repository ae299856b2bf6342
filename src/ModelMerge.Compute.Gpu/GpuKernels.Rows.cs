using ILGPU;
using ILGPU.Runtime;

namespace ModelMerge.Compute.Gpu;

/// <summary>
/// The per-row variants of the reductions and combines: dot products per row in the CPU's order,
/// and weighted sums or linear combinations whose scale or coefficients change from row to row
/// (model stock's filter_wise, nuslerp along the last axis).
/// </summary>
public sealed partial class GpuKernels
{
    private Action<Index1D, ArrayView<float>, long, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<double>>? _rowSegmentDots;
    private Action<Index1D, ArrayView<float>, ArrayView<double>, ArrayView<double>, long, long, ArrayView<float>, ArrayView<float>>? _weightedSumRows;
    private Action<Index1D, ArrayView<float>, ArrayView<double>, long, long, ArrayView<float>, double, ArrayView<float>>? _linearCombinationRows;

    /// <summary>
    /// Adds, for each row of <paramref name="rowLength"/> that elements [first, first + count) touch,
    /// Σ a·b over its elements there for every pair (indices into the inputs, which lie
    /// <paramref name="stride"/> apart in <paramref name="inputs"/>). <paramref name="first"/> is on a grid chunk.
    /// </summary>
    public void AddRowDots(ArrayView<float> inputs, long stride, long count, long first, long rowLength, (int A, int B)[] pairs, RowOrderSums totals)
    {
        if (pairs.Length != totals.Width) throw new ArgumentException("one total per pair is needed.", nameof(pairs));
        var segments = RowOrderSums.Segments(first, count, rowLength);
        if (segments.Count == 0) return;
        using var starts = accelerator.Allocate1D(segments.Select(s => s.Start).ToArray());
        using var lengths = accelerator.Allocate1D(segments.Select(s => s.Length).ToArray());
        using var pairIndices = accelerator.Allocate1D(pairs.SelectMany(p => new[] { p.A, p.B }).ToArray());
        using var sums = accelerator.Allocate1D<double>((long)segments.Count * LanePartials.Lanes * pairs.Length);
        (_rowSegmentDots ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, long, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<double>>(
            ReductionKernels.RowSegmentDotLanes))(segments.Count * LanePartials.Lanes, inputs, stride, starts.View, lengths.View, pairIndices.View, sums.View);
        totals.Add(segments, sums.GetAsArray1D());
    }

    /// <summary>
    /// <see cref="WeightedSum"/> with the scale of each element's row: element j of the output is
    /// tensor element first + j, in row (first + j) / rowLength.
    /// </summary>
    public void WeightedSumRows(ArrayView<float> terms, ArrayView<double> weights, ArrayView<double> rowScales, long rowLength, long first,
        ArrayView<float> baseValues, ArrayView<float> output) =>
        (_weightedSumRows ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<double>, ArrayView<double>, long, long, ArrayView<float>, ArrayView<float>>(
            WeightedSumKernels.WeightedSumRows))((int)output.Length, terms, weights, rowScales, rowLength, first, baseValues, output);

    /// <summary>
    /// <see cref="LinearCombination"/> with each row's own coefficients (row r's at
    /// [r·models, (r+1)·models) of <paramref name="rowCoefficients"/>); element j is tensor element first + j.
    /// </summary>
    public void LinearCombinationRows(ArrayView<float> models, ArrayView<double> rowCoefficients, long rowLength, long first,
        ArrayView<float> baseValues, double baseCoefficient, ArrayView<float> output) =>
        (_linearCombinationRows ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<double>, long, long, ArrayView<float>, double, ArrayView<float>>(
            WeightedSumKernels.LinearCombinationRows))((int)output.Length, models, rowCoefficients, rowLength, first, baseValues, baseCoefficient, output);
}
