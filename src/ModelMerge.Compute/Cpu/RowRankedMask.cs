namespace ModelMerge.Compute.Cpu;

/// <summary>Whether to keep element <paramref name="element"/> (flat index), whose 0-based ascending magnitude rank in its row is <paramref name="rank"/>.</summary>
public delegate bool RankedKeep(long element, int rank);

/// <summary>
/// A keep mask decided per element from its ascending magnitude rank within its row (della's
/// drop, merge-semantics §4.2 "della_magprune"). Rows are ranked in parallel: the work for grid
/// chunk c is every slab of rows that starts in c. A slab is ranked by one worker only, so the
/// mask is the same for any thread count. Slabs that fit a worker's share of the
/// <see cref="RankingBudget"/> are read whole from c's first element on (reads start on grid
/// boundaries, as plans require) and each row sorted at once; larger ones are ranked in passes
/// over their chunks (<see cref="SlabPasses"/>), so memory stays bounded whatever a row's length.
/// Both give the ranks a full sort gives.
/// </summary>
public static class RowRankedMask
{
    /// <summary>
    /// keep_j ⇔ (<see cref="CounterRandom.Draw"/>(key, j) >> 32) &lt; keepLimitByRank[rank_j]: the
    /// counter-based draw of element j against the limit of its rank (see <see cref="CounterRandom.KeepLimit"/>).
    /// </summary>
    public static ElementMask Build(IChunkSource source, RowLayout rows, ulong key, ulong[] keepLimitByRank, ChunkRunner runner) =>
        Build(source, rows, key, RankKeepLimits.FromTable(keepLimitByRank), runner, new RankingBudget());

    /// <summary>The same mask with each rank's limit from <paramref name="limits"/>, ranked within <paramref name="budget"/>.</summary>
    public static ElementMask Build(IChunkSource source, RowLayout rows, ulong key, RankKeepLimits limits, ChunkRunner runner, RankingBudget budget)
    {
        if (limits.RowLength != rows.RowLength) throw new ArgumentException("one keep limit per rank of a row is needed.", nameof(limits));
        return Build(source, rows, new CounterDecision(key, limits), runner, budget);
    }

    /// <summary>The same traversal with any decision (a test injects known masks through it).</summary>
    public static ElementMask Build(IChunkSource source, RowLayout rows, RankedKeep keep, ChunkRunner runner, RankingBudget? budget = null) =>
        Build(source, rows, new DelegateDecision(keep), runner, budget ?? new RankingBudget());

    private static ElementMask Build<TDecision>(IChunkSource source, RowLayout rows, TDecision decision, ChunkRunner runner, RankingBudget budget)
        where TDecision : struct, IRankDecision
    {
        if (rows.Length != source.Length) throw new ArgumentException($"the row layout covers {rows.Length} elements, the tensor has {source.Length}.", nameof(rows));
        if (rows.RowLength > int.MaxValue) throw new ArgumentException("a row is limited to 2^31 − 1 elements.", nameof(rows));
        var mask = new ElementMask(source.Length);
        if (source.Length == 0) return mask;
        long slab = rows.SlabLength;
        long share = budget.PerWorker(runner.MaxDegreeOfParallelism);
        bool whole = WholeBytes(rows) <= share;
        var inOrder = runner.InOrder();
        runner.ForEachChunk(source.Length, (_, chunkStart, count) =>
        {
            long first = (chunkStart + slab - 1) / slab;
            long end = Math.Min(rows.Slabs, (chunkStart + count + slab - 1) / slab);
            if (first >= end) return;
            using var scratch = new RankScratch(budget);
            if (whole) RankSlabs(source, rows, chunkStart, first, end, decision, mask, scratch);
            else
                for (long s = first; s < end; s++) SlabPasses.Rank(source, rows, s, decision, mask, inOrder, scratch, share);
        });
        return mask;
    }

    /// <summary>
    /// The most <see cref="RankSlabs"/> holds: the slabs starting in one chunk reach less than a
    /// chunk plus a slab past its start; their words; each row's keys and sort scratch; a strided row's gathered values.
    /// </summary>
    private static long WholeBytes(RowLayout rows)
    {
        long span = ChunkGrid.ChunkElements + rows.SlabLength;
        return RankScratch.PooledBytes(span, sizeof(float))
            + RankScratch.PooledBytes(span / 64 + 2, sizeof(ulong))
            + RankScratch.PooledBytes(2 * rows.RowLength, sizeof(ulong))
            + (rows.Stride > 1 ? RankScratch.PooledBytes(rows.RowLength, sizeof(float)) : 0);
    }

    /// <summary>Ranks every row of slabs [first, end) and merges their keep bits into <paramref name="mask"/>.</summary>
    private static void RankSlabs<TDecision>(IChunkSource source, RowLayout rows, long chunkStart, long first, long end, TDecision decision,
        ElementMask mask, RankScratch scratch)
        where TDecision : struct, IRankDecision
    {
        long slab = rows.SlabLength, stride = rows.Stride, start = first * slab, stop = end * slab;
        int rowLength = (int)rows.RowLength;
        int span = checked((int)(stop - chunkStart));
        long wordBase = start >> 6;
        int wordCount = (int)(((stop - 1) >> 6) - wordBase + 1);
        var values = scratch.Rent<float>(span);
        var words = scratch.Rent<ulong>(wordCount);
        var order = scratch.Rent<ulong>(2 * rowLength);
        var gathered = stride > 1 ? scratch.Rent<float>(rowLength) : null;
        ReadFrom(source, chunkStart, values.AsSpan(0, span));
        Array.Clear(words, 0, wordCount);
        var keys = order.AsSpan(0, rowLength);
        var sortScratch = order.AsSpan(rowLength, rowLength);
        for (long s = first; s < end; s++)
        {
            long slabStart = s * slab;
            int offset = (int)(slabStart - chunkStart);
            for (long i = 0; i < stride; i++)
            {
                ReadOnlySpan<float> row = gathered is null
                    ? values.AsSpan(offset, rowLength)
                    : Gather(values, offset + (int)i, (int)stride, gathered.AsSpan(0, rowLength));
                MagnitudeOrder.Ascending(row, keys, sortScratch);
                for (int rank = 0; rank < rowLength; rank++)
                {
                    long element = slabStart + MagnitudeOrder.IndexAt(keys[rank]) * stride + i;
                    if (!decision.Keep(element, rank)) continue;
                    long bit = element - wordBase * 64;
                    words[bit >> 6] |= 1UL << (int)(bit & 63);
                }
            }
        }
        mask.Merge(start, stop, words.AsSpan(0, wordCount));
    }

    /// <summary>Reads elements [start, start + destination.Length) one grid chunk (or its first part) at a time.</summary>
    private static void ReadFrom(IChunkSource source, long start, Span<float> destination)
    {
        for (int done = 0; done < destination.Length; done += ChunkGrid.ChunkElements)
            source.Read(start + done, destination.Slice(done, Math.Min(ChunkGrid.ChunkElements, destination.Length - done)));
    }

    private static ReadOnlySpan<float> Gather(float[] values, int first, int stride, Span<float> row)
    {
        for (int b = 0; b < row.Length; b++) row[b] = values[first + b * stride];
        return row;
    }

    private readonly struct CounterDecision(ulong key, RankKeepLimits limits) : IRankDecision
    {
        public bool Keep(long element, int rank) => (CounterRandom.Draw(key, element) >> 32) < limits[rank];
    }

    private readonly struct DelegateDecision(RankedKeep keep) : IRankDecision
    {
        public bool Keep(long element, int rank) => keep(element, rank);
    }
}
