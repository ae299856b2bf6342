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
    private Action<Index1D, ArrayView<float>, ArrayView<double>, long, long, int, ArrayView<float>, double, ArrayView<float>>? _linearCombination;
    private Action<Index1D, ArrayView<float>, long, long, long, long, int, ArrayView<int>, ArrayView<double>>? _columnDots;

    /// <summary>Grid chunks summed per launch, as the CPU sums them per wave: it bounds the partials held at once.</summary>
    private const int ColumnChunksPerWave = 16;

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
        LinearCombinationByVector(models, rowCoefficients, rowLength, first, alongFirstAxis: false, baseValues, baseCoefficient, output);

    /// <summary>
    /// Adds, for vectors along the first axis (tensor element p in vector p mod
    /// <paramref name="columns"/>), Σ a·b over elements [first, first + count) for every pair, in
    /// <c>FirstAxisVectors.Sums</c>'s order: per grid chunk in index order, the chunks in grid order.
    /// </summary>
    public void AddColumnDots(ArrayView<float> inputs, long stride, long count, long first, long columns, (int A, int B)[] pairs, RowOrderSums totals)
    {
        if (pairs.Length != totals.Width) throw new ArgumentException("one total per pair is needed.", nameof(pairs));
        int width = pairs.Length;
        int threadsPerChunk = (int)Math.Min(columns, ChunkGrid.ChunkElements);
        using var pairIndices = accelerator.Allocate1D(pairs.SelectMany(p => new[] { p.A, p.B }).ToArray());
        long chunks = ChunkGrid.ChunkCount(count);
        using var sums = accelerator.Allocate1D<double>((long)Math.Min(ColumnChunksPerWave, chunks) * threadsPerChunk * width);
        var dots = _columnDots ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, long, long, long, long, int, ArrayView<int>, ArrayView<double>>(
            ReductionKernels.ColumnDots);
        for (long wave = 0; wave < chunks; wave += ColumnChunksPerWave)
        {
            int inWave = (int)Math.Min(ColumnChunksPerWave, chunks - wave);
            long waveStart = wave * ChunkGrid.ChunkElements;
            dots(inWave * threadsPerChunk, inputs, stride, count, waveStart, columns, threadsPerChunk, pairIndices.View, sums.View);
            var partials = ((ArrayView<double>)sums.View.SubView(0, (long)inWave * threadsPerChunk * width)).GetAsArray();
            for (int c = 0; c < inWave; c++)
            {
                long chunkStart = waveStart + (long)c * ChunkGrid.ChunkElements;
                long touched = Math.Min(columns, Math.Min(ChunkGrid.ChunkElements, count - chunkStart));
                long firstVector = (first + chunkStart) % columns;
                for (long v = 0; v < touched; v++)
                    totals.AddTo((firstVector + v) % columns, partials.AsSpan((int)(((long)c * threadsPerChunk + v) * width), width));
            }
        }
    }

    /// <summary><see cref="LinearCombinationRows"/> with each first-axis vector's coefficients (element p's vector p mod columns).</summary>
    public void LinearCombinationColumns(ArrayView<float> models, ArrayView<double> columnCoefficients, long columns, long first,
        ArrayView<float> baseValues, double baseCoefficient, ArrayView<float> output) =>
        LinearCombinationByVector(models, columnCoefficients, columns, first, alongFirstAxis: true, baseValues, baseCoefficient, output);

    private void LinearCombinationByVector(ArrayView<float> models, ArrayView<double> coefficients, long vectorLength, long first, bool alongFirstAxis,
        ArrayView<float> baseValues, double baseCoefficient, ArrayView<float> output) =>
        (_linearCombination ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<double>, long, long, int, ArrayView<float>, double, ArrayView<float>>(
            WeightedSumKernels.LinearCombination))((int)output.Length, models, coefficients, vectorLength, first, alongFirstAxis ? 1 : 0, baseValues, baseCoefficient, output);
}
