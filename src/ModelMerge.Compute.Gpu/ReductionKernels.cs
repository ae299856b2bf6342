using ILGPU;

namespace ModelMerge.Compute.Gpu;

/// <summary>
/// Whole-tensor float64 dot products on the device in <c>Reductions.Dot</c>'s fixed order: one
/// thread per (grid chunk, lane), lane k summing the products of elements k, k + 8, … of its chunk
/// in index order. A float32·float32 product is exact in float64, so each lane's sum has the CPU's
/// bits whether or not the device fuses; the host adds the lanes and then the chunks in the CPU's
/// order (<see cref="LanePartials"/>).
/// </summary>
internal static class ReductionKernels
{
    public static void DotLanes(Index1D index, ArrayView<float> a, ArrayView<float> b, ArrayView<double> sums)
    {
        int thread = index;
        long chunk = thread / LanePartials.Lanes;
        long start = chunk * ChunkGrid.ChunkElements;
        long end = start + ChunkGrid.ChunkElements < a.Length ? start + ChunkGrid.ChunkElements : a.Length;
        double sum = 0;
        for (long j = start + thread % LanePartials.Lanes; j < end; j += LanePartials.Lanes) sum += Float64.Multiply(a[j], b[j]);
        sums[thread] = sum;
    }

    /// <summary>
    /// The same lanes over row segments (<see cref="RowOrderSums.Segments"/>): thread (segment, lane)
    /// sums, for every pair of inputs, the products of the segment's elements lane, lane + 8, … in
    /// index order. The inputs lie <paramref name="stride"/> apart in <paramref name="values"/>, input i from i·stride.
    /// </summary>
    public static void RowSegmentDotLanes(Index1D index, ArrayView<float> values, long stride, ArrayView<int> segmentStarts, ArrayView<int> segmentLengths,
        ArrayView<int> pairs, ArrayView<double> sums)
    {
        int thread = index;
        int segment = thread / LanePartials.Lanes;
        long start = segmentStarts[segment];
        long end = start + segmentLengths[segment];
        int width = pairs.IntLength / 2;
        for (int p = 0; p < width; p++)
        {
            long a = pairs[2 * p] * stride, b = pairs[2 * p + 1] * stride;
            double sum = 0;
            for (long j = start + thread % LanePartials.Lanes; j < end; j += LanePartials.Lanes) sum += Float64.Multiply(values[a + j], values[b + j]);
            sums[(long)thread * width + p] = sum;
        }
    }

    /// <summary>
    /// Sums for vectors that run along the first axis (element p in vector p mod columns): thread
    /// (chunk of the wave, v) takes the chunk's elements v, v + t, v + 2t, … (t = min(columns,
    /// the chunk's length): the same vector each time) in index order, for every pair of inputs
    /// (<c>FirstAxisVectors.Sums</c>'s per-chunk partials). The wave's chunks start at
    /// <paramref name="waveStart"/> of the piece; the inputs lie <paramref name="stride"/> apart.
    /// </summary>
    public static void ColumnDots(Index1D index, ArrayView<float> values, long stride, long count, long waveStart, long columns, int threadsPerChunk,
        ArrayView<int> pairs, ArrayView<double> sums)
    {
        int thread = index;
        long chunkStart = waveStart + (long)(thread / threadsPerChunk) * ChunkGrid.ChunkElements;
        long v = thread % threadsPerChunk;
        long length = chunkStart + ChunkGrid.ChunkElements < count ? ChunkGrid.ChunkElements : count - chunkStart;
        long touched = columns < length ? columns : length;
        int width = pairs.IntLength / 2;
        for (int p = 0; p < width; p++)
        {
            double sum = 0;
            if (v < touched)
            {
                long a = pairs[2 * p] * stride + chunkStart, b = pairs[2 * p + 1] * stride + chunkStart;
                for (long j = v; j < length; j += touched) sum += Float64.Multiply(values[a + j], values[b + j]);
            }
            sums[(long)thread * width + p] = sum;
        }
    }
}
