using ILGPU;

namespace ModelMerge.Compute.Gpu;

/// <summary>
/// DELLA's drop on the device: every row sorted by (|x|'s bits, position in the row) with a
/// bitonic network, rows padded to a power of two with keys that sort last, then each element
/// drawn against its rank's keep limit by DARE's counter generator. The rank is the CPU's
/// (<c>MagnitudeOrder.Ascending</c>: lower index first among equals), so the mask is too.
/// </summary>
/// <remarks>
/// Row (s, i) of the values holds elements s·rowLength·stride + b·stride + i (<c>RowLayout</c>);
/// a batch of rows starts at slab <c>firstSlab</c>, and key t of the batch belongs to its row
/// t >> log2Padded at slot t mod 2^log2Padded.
/// </remarks>
internal static class RankedDropKernels
{
    private const ulong Padding = ulong.MaxValue;

    public static void FillKeys(Index1D t, ArrayView<float> values, long firstSlab, int log2Padded, long rowLength, long stride, ArrayView<ulong> keys)
    {
        long slot = t & ((1L << log2Padded) - 1);
        if (slot >= rowLength)
        {
            keys[t] = Padding;
            return;
        }
        uint magnitude = Interop.FloatAsInt(values[Element(t >> log2Padded, slot, firstSlab, rowLength, stride)]) & 0x7FFF_FFFFu;
        keys[t] = ((ulong)magnitude << 32) | (ulong)slot;
    }

    /// <summary>
    /// One compare-exchange step of the network (span <paramref name="j"/> within merges of
    /// <paramref name="k"/>): thread q takes the pair (t, t + j) with bit j of t clear. Direction
    /// alternates by merge inside a row only, so every row ends ascending.
    /// </summary>
    public static void Step(Index1D q, ArrayView<ulong> keys, int j, int k, int slotMask)
    {
        int t = q / j * 2 * j + q % j;
        ulong low = keys[t];
        ulong high = keys[t + j];
        bool ascending = (t & slotMask & k) == 0;
        if (ascending ? low > high : low < high)
        {
            keys[t] = high;
            keys[t + j] = low;
        }
    }

    /// <summary>Keeps or drops (+0) the element at each sorted slot, by the draw for its flat index against its rank's limit.</summary>
    public static void Decide(Index1D t, ArrayView<ulong> keys, ArrayView<float> values, long firstSlab, int log2Padded, long rowLength, long stride,
        long first, ulong key, ArrayView<ulong> keepLimits, ArrayView<float> dropped)
    {
        long rank = t & ((1L << log2Padded) - 1);
        if (rank >= rowLength) return;
        long element = Element(t >> log2Padded, (long)(keys[t] & 0xFFFF_FFFFu), firstSlab, rowLength, stride);
        dropped[element] = RandomDropKernels.Keep(key, first + element, keepLimits[rank]) ? values[element] : 0f;
    }

    private static long Element(long batchRow, long slot, long firstSlab, long rowLength, long stride) =>
        (firstSlab + batchRow / stride) * rowLength * stride + slot * stride + batchRow % stride;
}
