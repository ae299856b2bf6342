namespace ModelMerge.Compute.Cpu;

/// <summary>
/// Ranks one row whose sort keys would not fit a worker's share (a 2^28-element row would need
/// 4 GB of them), in a fixed block of scratch, by passes over the row in index order.
/// </summary>
/// <remarks>
/// A first pass counts the row's magnitudes per bucket of their high 15 bits (the sign cleared),
/// which gives every bucket the number of elements ranked below it. The buckets are then taken
/// in ascending order, as many at a time as the block holds. A bucket of at most
/// <see cref="SortedUpTo"/> elements has its keys (magnitude, index) gathered and sorted, 16
/// bytes each; a larger one gets a table of 2^16 counters over its low 16 bits, which a second
/// pass turns into ranks: counted, summed into each magnitude's first rank, then handed out in
/// index order, so equal magnitudes rank lower index first exactly as a full sort ranks them.
/// Each group costs one pass, two when it has a table; a row of real weights (thousands of
/// buckets in use, most of them crowded) takes a handful of groups.
/// </remarks>
internal sealed unsafe class BucketedRowRank
{
    private const int HighBuckets = 1 << 15;
    private const int LowValues = 1 << 16;
    private const long TableBytes = LowValues * sizeof(int);

    /// <summary>Up to here a bucket's keys and their sort scratch cost no more than a table.</summary>
    private const int SortedUpTo = (int)(TableBytes / (2 * sizeof(ulong)));

    /// <summary>Spans index with int: a larger block would only save passes a row of 2^31 elements does not need.</summary>
    private const long LargestBlock = 1L << 30;

    private const int Unrouted = -1;
    private const int Sorted = -2;

    private readonly SlabPasses _passes;
    private readonly int[] _counts;
    private readonly int[] _below;
    private readonly int[] _route;
    private readonly byte* _block;
    private readonly long _blockBytes;
    private int* _tables;
    private ulong* _keys;
    private int _gathered;

    public BucketedRowRank(SlabPasses passes, RankScratch scratch, long blockBytes)
    {
        blockBytes = Math.Min(blockBytes, LargestBlock);
        if (blockBytes < TableBytes) throw new ArgumentOutOfRangeException(nameof(blockBytes), $"a bucketed ranking needs at least {TableBytes} bytes of block.");
        _passes = passes;
        _counts = scratch.Rent<int>(HighBuckets);
        _below = scratch.Rent<int>(HighBuckets);
        _route = scratch.Rent<int>(HighBuckets);
        _blockBytes = blockBytes;
        _block = scratch.Map(blockBytes);
    }

    /// <summary>The per-bucket arrays held besides the block.</summary>
    public static long CountBytes => 3 * RankScratch.PooledBytes(HighBuckets, sizeof(int));

    public void Rank<TDecision>(long row, TDecision decision, ElementMask mask)
        where TDecision : struct, IRankDecision
    {
        var counts = _counts;
        Array.Clear(counts, 0, HighBuckets);
        _passes.PassOverRow(row, (_, values) => CountHigh(values, counts));
        int below = 0;
        for (int h = 0; h < HighBuckets; h++)
        {
            _below[h] = below;
            below += counts[h];
        }
        Array.Fill(_route, Unrouted, 0, HighBuckets);
        for (int next = 0; next < HighBuckets;) next = RankGroup(row, next, decision, mask);
    }

    private static void CountHigh(ReadOnlySpan<float> values, int[] counts)
    {
        foreach (float v in values) counts[(int)((BitConverter.SingleToUInt32Bits(v) & 0x7FFF_FFFF) >> 16)]++;
    }

    /// <summary>Ranks the buckets from <paramref name="first"/> on that fit the block; returns the first bucket left.</summary>
    private int RankGroup<TDecision>(long row, int first, TDecision decision, ElementMask mask)
        where TDecision : struct, IRankDecision
    {
        long used = 0, keyCount = 0;
        int tables = 0, end = first;
        for (; end < HighBuckets; end++)
        {
            int count = _counts[end];
            if (count == 0) continue;
            long cost = count <= SortedUpTo ? 2L * sizeof(ulong) * count : TableBytes;
            if (used + cost > _blockBytes) break;
            used += cost;
            if (count <= SortedUpTo)
            {
                _route[end] = Sorted;
                keyCount += count;
            }
            else _route[end] = tables++;
        }
        if (used == 0) return end;

        _tables = (int*)_block;
        _keys = (ulong*)(_block + tables * TableBytes);
        _gathered = 0;
        new Span<int>(_tables, tables * LowValues).Clear();
        _passes.PassOverRow(row, Gather);

        for (int h = first; h < end; h++)
            if (_route[h] >= 0) FirstRanks(_tables + (long)_route[h] * LowValues, _below[h]);
        RankSorted(row, decision, mask, new Span<ulong>(_keys, _gathered), new Span<ulong>(_keys + keyCount, _gathered));
        if (tables > 0) _passes.PassOverRow(row, (firstIndex, values) => RankCounted(row, firstIndex, values, decision, mask));

        Array.Fill(_route, Unrouted, first, end - first);
        return end;
    }

    /// <summary>Counts the group's crowded buckets per low 16 bits; gathers the keys of the others in index order.</summary>
    private void Gather(int firstIndex, ReadOnlySpan<float> values)
    {
        var route = _route;
        int* tables = _tables;
        ulong* keys = _keys;
        int gathered = _gathered;
        for (int k = 0; k < values.Length; k++)
        {
            uint magnitude = BitConverter.SingleToUInt32Bits(values[k]) & 0x7FFF_FFFF;
            int slot = route[magnitude >> 16];
            if (slot >= 0) tables[(long)slot * LowValues + (magnitude & 0xFFFF)]++;
            else if (slot == Sorted) keys[gathered++] = ((ulong)magnitude << 32) | (uint)(firstIndex + k);
        }
        _gathered = gathered;
    }

    /// <summary>Turns a bucket's counts per low bits into the rank of the first element of each magnitude.</summary>
    private static void FirstRanks(int* table, int below)
    {
        int running = below;
        for (int low = 0; low < LowValues; low++)
        {
            int count = table[low];
            table[low] = running;
            running += count;
        }
    }

    private void RankSorted<TDecision>(long row, TDecision decision, ElementMask mask, Span<ulong> keys, Span<ulong> scratch)
        where TDecision : struct, IRankDecision
    {
        MagnitudeOrder.SortKeys(keys, scratch);
        int bucket = -1;
        long firstRank = 0;
        for (int q = 0; q < keys.Length; q++)
        {
            ulong key = keys[q];
            int h = (int)(key >> 48);
            if (h != bucket)
            {
                bucket = h;
                firstRank = _below[h] - (long)q;
            }
            long element = _passes.Element(row, MagnitudeOrder.IndexAt(key));
            if (decision.Keep(element, (int)(firstRank + q))) mask.Keep(element, _passes.SlabStart, _passes.SlabEnd);
        }
    }

    private void RankCounted<TDecision>(long row, int firstIndex, ReadOnlySpan<float> values, TDecision decision, ElementMask mask)
        where TDecision : struct, IRankDecision
    {
        var route = _route;
        int* tables = _tables;
        for (int k = 0; k < values.Length; k++)
        {
            uint magnitude = BitConverter.SingleToUInt32Bits(values[k]) & 0x7FFF_FFFF;
            int slot = route[magnitude >> 16];
            if (slot < 0) continue;
            int rank = tables[(long)slot * LowValues + (magnitude & 0xFFFF)]++;
            long element = _passes.Element(row, firstIndex + k);
            if (decision.Keep(element, rank)) mask.Keep(element, _passes.SlabStart, _passes.SlabEnd);
        }
    }
}
