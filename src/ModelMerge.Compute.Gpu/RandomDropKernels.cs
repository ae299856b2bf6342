using ILGPU;

namespace ModelMerge.Compute.Gpu;

/// <summary>
/// DARE's drop on the device: <c>CounterRandom</c>'s draw for every element (the same
/// SplitMix64 output function of key and element index, in 64-bit integers), so a mask is the
/// CPU's element for element; the key itself, a hash of seed and tensor name, is made on the host.
/// </summary>
internal static class RandomDropKernels
{
    private const ulong Golden = 0x9E37_79B9_7F4A_7C15;

    /// <summary>Zeroes dropped elements and multiplies survivors by the factor, as <c>RandomDrop.Apply</c>; element i is tensor element start + i.</summary>
    public static void Drop(Index1D i, ArrayView<float> values, ulong key, long start, ulong keepLimit, float factor)
    {
        float value = Keep(key, start + i, keepLimit) ? values[i] : 0f;
        values[i] = factor != 1f ? value * factor : value;
    }

    /// <summary>
    /// One thread per (grid chunk, lane): lane k of a chunk sums the magnitudes of its elements k,
    /// k + 8, k + 16, … in index order — before the drop and after it — the order in which
    /// <c>Reductions.SumOfMagnitudes</c> fills its eight sums, so each lane's float64 sum has the
    /// CPU's bits. The view must begin at a grid chunk boundary (element 0 of the tensor).
    /// </summary>
    /// <param name="first">The tensor index of values[0]: the draws are keyed by the tensor's indices, a piece's too.</param>
    public static void MagnitudeLanes(Index1D index, ArrayView<float> values, long first, ulong key, ulong keepLimit, ArrayView<double> sums)
    {
        int thread = index;
        long chunk = thread / LanePartials.Lanes;
        long start = chunk * ChunkGrid.ChunkElements;
        long end = start + ChunkGrid.ChunkElements < values.Length ? start + ChunkGrid.ChunkElements : values.Length;
        double all = 0, kept = 0;
        for (long j = start + thread % LanePartials.Lanes; j < end; j += LanePartials.Lanes)
        {
            // Clearing the sign bit is what the CPU's vector Abs does, NaN included.
            double magnitude = Interop.IntAsFloat(Interop.FloatAsInt(values[j]) & 0x7FFF_FFFFu);
            all += magnitude;
            // A dropped element adds the CPU's +0 to a sum that is never −0, which changes nothing: skip it.
            if (Keep(key, first + j, keepLimit)) kept += magnitude;
        }
        sums[2 * (long)thread] = all;
        sums[2 * (long)thread + 1] = kept;
    }

    internal static bool Keep(ulong key, long element, ulong keepLimit)
    {
        ulong z = key + (ulong)(element + 1) * Golden;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EB;
        z ^= z >> 31;
        return (z >> 32) < keepLimit;
    }
}
