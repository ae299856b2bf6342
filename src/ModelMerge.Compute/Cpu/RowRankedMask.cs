using System.Buffers;

namespace ModelMerge.Compute.Cpu;

/// <summary>Whether to keep element <paramref name="element"/> (flat index), whose 0-based ascending magnitude rank in its row is <paramref name="rank"/>.</summary>
public delegate bool RankedKeep(long element, int rank);

/// <summary>
/// A keep mask decided per element from its ascending magnitude rank within its row (della's
/// drop, merge-semantics §4.2 "della_magprune"). Rows are ranked whole, in parallel: the work for
/// grid chunk c is every slab of rows that starts in c, read from c's first element on (reads
/// start on grid boundaries, as plans require) into the next chunks as far as its last slab
/// reaches. A slab is ranked by one worker only, so the mask is the same for any thread count.
/// </summary>
public static class RowRankedMask
{
    /// <summary>
    /// keep_j ⇔ (<see cref="CounterRandom.Draw"/>(key, j) >> 32) &lt; keepLimitByRank[rank_j]: the
    /// counter-based draw of element j against the limit of its rank (see <see cref="CounterRandom.KeepLimit"/>).
    /// </summary>
    public static ElementMask Build(IChunkSource source, RowLayout rows, ulong key, ulong[] keepLimitByRank, ChunkRunner runner)
    {
        if (keepLimitByRank.LongLength != rows.RowLength) throw new ArgumentException("one keep limit per rank of a row is needed.", nameof(keepLimitByRank));
        return Build(source, rows, new CounterDecision(key, keepLimitByRank), runner);
    }

    /// <summary>The same traversal with any decision (a test injects known masks through it).</summary>
    public static ElementMask Build(IChunkSource source, RowLayout rows, RankedKeep keep, ChunkRunner runner) =>
        Build(source, rows, new DelegateDecision(keep), runner);

    private static ElementMask Build<TDecision>(IChunkSource source, RowLayout rows, TDecision decision, ChunkRunner runner)
        where TDecision : struct, IDecision
    {
        if (rows.Length != source.Length) throw new ArgumentException($"the row layout covers {rows.Length} elements, the tensor has {source.Length}.", nameof(rows));
        if (rows.RowLength > int.MaxValue) throw new ArgumentException("a row is limited to 2^31 − 1 elements.", nameof(rows));
        var mask = new ElementMask(source.Length);
        if (source.Length == 0) return mask;
        long slab = rows.SlabLength;
        runner.ForEachChunk(source.Length, (_, chunkStart, count) =>
        {
            long first = (chunkStart + slab - 1) / slab;
            long end = Math.Min(rows.Slabs, (chunkStart + count + slab - 1) / slab);
            if (first < end) RankSlabs(source, rows, chunkStart, first, end, decision, mask);
        });
        return mask;
    }

    /// <summary>Ranks every row of slabs [first, end) and merges their keep bits into <paramref name="mask"/>.</summary>
    private static void RankSlabs<TDecision>(IChunkSource source, RowLayout rows, long chunkStart, long first, long end, TDecision decision, ElementMask mask)
        where TDecision : struct, IDecision
    {
        long slab = rows.SlabLength, stride = rows.Stride, start = first * slab, stop = end * slab;
        int rowLength = (int)rows.RowLength;
        int span = checked((int)(stop - chunkStart));
        long wordBase = start >> 6;
        int wordCount = (int)(((stop - 1) >> 6) - wordBase + 1);
        var values = ArrayPool<float>.Shared.Rent(span);
        var words = ArrayPool<ulong>.Shared.Rent(wordCount);
        var order = ArrayPool<ulong>.Shared.Rent(2 * rowLength);
        var gathered = stride > 1 ? ArrayPool<float>.Shared.Rent(rowLength) : null;
        try
        {
            ReadFrom(source, chunkStart, values.AsSpan(0, span));
            Array.Clear(words, 0, wordCount);
            var keys = order.AsSpan(0, rowLength);
            var scratch = order.AsSpan(rowLength, rowLength);
            for (long s = first; s < end; s++)
            {
                long slabStart = s * slab;
                int offset = (int)(slabStart - chunkStart);
                for (long i = 0; i < stride; i++)
                {
                    ReadOnlySpan<float> row = gathered is null
                        ? values.AsSpan(offset, rowLength)
                        : Gather(values, offset + (int)i, (int)stride, gathered.AsSpan(0, rowLength));
                    MagnitudeOrder.Ascending(row, keys, scratch);
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
        finally
        {
            ArrayPool<float>.Shared.Return(values);
            ArrayPool<ulong>.Shared.Return(words);
            ArrayPool<ulong>.Shared.Return(order);
            if (gathered is not null) ArrayPool<float>.Shared.Return(gathered);
        }
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

    private interface IDecision
    {
        bool Keep(long element, int rank);
    }

    private readonly struct CounterDecision(ulong key, ulong[] keepLimitByRank) : IDecision
    {
        public bool Keep(long element, int rank) => (CounterRandom.Draw(key, element) >> 32) < keepLimitByRank[rank];
    }

    private readonly struct DelegateDecision(RankedKeep keep) : IDecision
    {
        public bool Keep(long element, int rank) => keep(element, rank);
    }
}
