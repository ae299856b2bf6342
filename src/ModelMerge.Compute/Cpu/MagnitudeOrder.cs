using System.Runtime.CompilerServices;

namespace ModelMerge.Compute.Cpu;

/// <summary>
/// The ascending magnitude order of one row, among equal magnitudes the lower index first
/// (merge-semantics §4.2, "MM: ties by lower index"), so a rank never depends on a sort's whims.
/// </summary>
public static class MagnitudeOrder
{
    /// <summary>Below this a comparison sort beats the radix passes' fixed cost.</summary>
    private const int RadixFrom = 128;

    private const int DigitBits = 8;
    private const int Digits = 4;
    private const int Buckets = 1 << DigitBits;

    /// <summary>
    /// Fills <paramref name="order"/> so that the low 32 bits of order[q] are the index of the
    /// element at ascending position q. Each key is |x|'s bits above the index: non-negative
    /// floats order like their bits, and the index breaks ties. Long rows are radix sorted on
    /// the magnitude bits, least significant digit first: each pass is stable and the keys start
    /// in index order, so equal magnitudes stay in index order, with no comparison sort's
    /// log factor (della ranks every element of every task vector).
    /// </summary>
    /// <param name="scratch">At least row.Length slots the sort may overwrite.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Ascending(ReadOnlySpan<float> row, Span<ulong> order, Span<ulong> scratch)
    {
        int n = row.Length;
        if (order.Length != n) throw new ArgumentException("the order must have one slot per element.", nameof(order));
        if (scratch.Length < n) throw new ArgumentException("the scratch must have a slot per element.", nameof(scratch));
        for (int b = 0; b < n; b++)
            order[b] = ((ulong)(BitConverter.SingleToUInt32Bits(row[b]) & 0x7FFF_FFFF) << 32) | (uint)b;
        SortKeys(order, scratch);
    }

    /// <summary>
    /// Sorts keys that hold a magnitude's bits above 32 bits of index, given in ascending index
    /// order (so the radix passes, being stable, keep equal magnitudes in index order).
    /// </summary>
    /// <param name="scratch">At least keys.Length slots the sort may overwrite.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void SortKeys(Span<ulong> order, Span<ulong> scratch)
    {
        int n = order.Length;
        if (n < RadixFrom)
        {
            order.Sort();
            return;
        }

        Span<int> counts = stackalloc int[Digits * Buckets];
        counts.Clear();
        foreach (ulong key in order)
        {
            uint magnitude = (uint)(key >> 32);
            counts[(int)(magnitude & 0xFF)]++;
            counts[Buckets + (int)((magnitude >> 8) & 0xFF)]++;
            counts[2 * Buckets + (int)((magnitude >> 16) & 0xFF)]++;
            counts[3 * Buckets + (int)(magnitude >> 24)]++;
        }
        var from = order;
        var to = scratch[..n];
        bool inOrder = true;
        for (int digit = 0; digit < Digits; digit++)
        {
            var offsets = counts.Slice(digit * Buckets, Buckets);
            if (OneBucket(offsets, n)) continue;   // every key has this digit: the pass would move nothing
            int running = 0;
            for (int d = 0; d < Buckets; d++)
            {
                int count = offsets[d];
                offsets[d] = running;
                running += count;
            }
            int shift = 32 + digit * DigitBits;
            foreach (ulong key in from) to[offsets[(int)((key >> shift) & 0xFF)]++] = key;
            var swap = from;
            from = to;
            to = swap;
            inOrder = !inOrder;
        }
        if (!inOrder) from.CopyTo(order);
    }

    /// <summary>The element index at a position of <see cref="Ascending"/>'s order.</summary>
    public static int IndexAt(ulong key) => (int)(uint)key;

    private static bool OneBucket(ReadOnlySpan<int> counts, int n)
    {
        foreach (int count in counts)
            if (count != 0) return count == n;
        return true;
    }
}
