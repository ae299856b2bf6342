namespace ModelMerge.Compute.Gpu;

/// <summary>
/// Float64 sums per row (rows of a fixed length along the flat tensor), added as the CPU's
/// <c>MergeInputs.SumPerRow</c> adds them: each row gets one partial per grid chunk it touches
/// (that segment's eight lanes added in turn from zero), and the partials are added in chunk
/// order. Pieces of the tensor (whole grid chunks, in order) feed it one after another.
/// </summary>
public sealed class RowOrderSums(long rows, int width)
{
    private readonly double[] _totals = new double[checked(rows * width)];

    public int Width => width;

    /// <summary>Row r's sums at [r·width, (r+1)·width).</summary>
    public ReadOnlySpan<double> Totals => _totals;

    /// <summary>
    /// The segments of rows that elements [first, first + count) split into at row and grid-chunk
    /// boundaries, in chunk order and, within a chunk, row order: (start relative to first, length, row).
    /// </summary>
    public static List<(int Start, int Length, long Row)> Segments(long first, long count, long rowLength)
    {
        var segments = new List<(int, int, long)>();
        for (long chunkStart = first; chunkStart < first + count; chunkStart += ChunkGrid.ChunkElements)
        {
            long chunkEnd = Math.Min(chunkStart + ChunkGrid.ChunkElements, first + count);
            for (long row = chunkStart / rowLength; row * rowLength < chunkEnd; row++)
            {
                long from = Math.Max(row * rowLength, chunkStart), to = Math.Min((row + 1) * rowLength, chunkEnd);
                segments.Add(((int)(from - first), (int)(to - from), row));
            }
        }
        return segments;
    }

    /// <summary>Adds each segment's lane sums (segment s, lane k, series p at (s·8 + k)·width + p) to its row, in the segments' order.</summary>
    internal void Add(IReadOnlyList<(int Start, int Length, long Row)> segments, ReadOnlySpan<double> lanes)
    {
        for (int s = 0; s < segments.Count; s++)
            for (int p = 0; p < width; p++)
            {
                double segment = 0;
                for (int lane = 0; lane < LanePartials.Lanes; lane++) segment += lanes[(s * LanePartials.Lanes + lane) * width + p];
                _totals[segments[s].Row * width + p] += segment;
            }
    }

    /// <summary>Adds one partial to row (or vector) <paramref name="row"/>'s sums.</summary>
    internal void AddTo(long row, ReadOnlySpan<double> partial)
    {
        for (int p = 0; p < width; p++) _totals[row * width + p] += partial[p];
    }
}
