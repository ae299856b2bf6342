using System.Numerics;

namespace ModelMerge.Compute.Cpu;

/// <summary>
/// Ranks the rows of one slab too large to read at once (a long row, or short rows along an
/// inner axis of a large slab) in passes over the slab's grid chunks in index order, each chunk
/// read into one chunk buffer, holding no more than a worker's share of scratch. Rows that fit
/// the share are gathered a group at a time by one pass each and sorted whole; a row that does
/// not is ranked by <see cref="BucketedRowRank"/>. Reads start on grid boundaries, and the
/// passes go through the runner's observer, so the inputs' pages are let go behind them.
/// </summary>
internal sealed class SlabPasses
{
    private readonly IChunkSource _source;
    private readonly ChunkRunner _inOrder;
    private readonly float[] _chunk;
    private readonly float[]? _piece;

    private SlabPasses(IChunkSource source, RowLayout rows, long slab, ChunkRunner inOrder, RankScratch scratch)
    {
        _source = source;
        _inOrder = inOrder;
        RowLength = (int)rows.RowLength;
        Stride = rows.Stride;
        SlabStart = slab * rows.SlabLength;
        SlabEnd = SlabStart + rows.SlabLength;
        _chunk = scratch.Rent<float>(ChunkGrid.ChunkElements);
        _piece = Stride > 1 ? scratch.Rent<float>(ChunkGrid.ChunkElements) : null;
    }

    /// <summary>The chunk buffer and, for strided rows, the buffer a row's piece of a chunk is gathered into.</summary>
    public static long BufferBytes(long stride) => (stride > 1 ? 2 : 1) * RankScratch.PooledBytes(ChunkGrid.ChunkElements, sizeof(float));

    public int RowLength { get; }

    public long Stride { get; }

    public long SlabStart { get; }

    public long SlabEnd { get; }

    /// <summary>The flat index of element <paramref name="b"/> of row <paramref name="row"/>.</summary>
    public long Element(long row, long b) => SlabStart + b * Stride + row;

    /// <summary>Ranks every row of slab <paramref name="slab"/> and sets its keep bits in <paramref name="mask"/>.</summary>
    public static void Rank<TDecision>(IChunkSource source, RowLayout rows, long slab, TDecision decision, ElementMask mask,
        ChunkRunner inOrder, RankScratch scratch, long share)
        where TDecision : struct, IRankDecision
    {
        var passes = new SlabPasses(source, rows, slab, inOrder, scratch);
        long rowLength = rows.RowLength;
        long orderBytes = RankScratch.PooledBytes(2 * rowLength, sizeof(ulong));
        long left = share - BufferBytes(rows.Stride) - orderBytes;
        // The most floats a pooled array may hold inside what is left: the pool rounds up to a power of two.
        long floats = left >= 4 * 16 ? 1L << (63 - BitOperations.LeadingZeroCount((ulong)(left / sizeof(float)))) : 0;
        long group = Math.Min(rows.Stride, floats / rowLength);
        if (group >= 1) passes.RankInGroups((int)group, decision, mask, scratch);
        else
        {
            long block = share - BufferBytes(rows.Stride) - BucketedRowRank.CountBytes;
            var ranker = new BucketedRowRank(passes, scratch, block);
            for (long row = 0; row < rows.Stride; row++) ranker.Rank(row, decision, mask);
        }
    }

    /// <summary>Gathers <paramref name="group"/> rows at a time, one pass each, and sorts each whole.</summary>
    private void RankInGroups<TDecision>(int group, TDecision decision, ElementMask mask, RankScratch scratch)
        where TDecision : struct, IRankDecision
    {
        var values = scratch.Rent<float>(group * RowLength);
        var order = scratch.Rent<ulong>(2 * RowLength);
        var keys = order.AsSpan(0, RowLength);
        var sortScratch = order.AsSpan(RowLength, RowLength);
        for (long first = 0; first < Stride; first += group)
        {
            int count = (int)Math.Min(group, Stride - first);
            GatherRows(first, count, values);
            for (int r = 0; r < count; r++)
            {
                MagnitudeOrder.Ascending(values.AsSpan(r * RowLength, RowLength), keys, sortScratch);
                for (int rank = 0; rank < RowLength; rank++)
                {
                    long element = Element(first + r, MagnitudeOrder.IndexAt(keys[rank]));
                    if (decision.Keep(element, rank)) mask.Keep(element, SlabStart, SlabEnd);
                }
            }
        }
    }

    /// <summary>Copies rows [first, first + count) into <paramref name="rows"/>, row r at r·RowLength.</summary>
    private void GatherRows(long first, int count, float[] rows)
    {
        Pass((lo, part) =>
        {
            long p0 = lo - SlabStart, p1 = p0 + part.Length;
            for (long b = p0 / Stride; b * Stride < p1; b++)
            {
                long line = b * Stride;
                long from = Math.Max(line + first, p0), to = Math.Min(line + first + count, p1);
                for (long p = from; p < to; p++) rows[(p - line - first) * RowLength + b] = part[(int)(p - p0)];
            }
        });
    }

    /// <summary>The elements of row <paramref name="row"/> in index order: visit(first index in the row, values), a chunk's worth at a time.</summary>
    public void PassOverRow(long row, RowPieceVisitor visit)
    {
        Pass((lo, part) =>
        {
            long p0 = lo - SlabStart, p1 = p0 + part.Length;
            if (Stride == 1)
            {
                visit((int)p0, part);
                return;
            }
            long b0 = p0 <= row ? 0 : (p0 - row + Stride - 1) / Stride;
            long b1 = p1 <= row ? 0 : (p1 - row - 1) / Stride + 1;
            if (b1 <= b0) return;
            var piece = _piece.AsSpan(0, (int)(b1 - b0));
            for (int k = 0; k < piece.Length; k++) piece[k] = part[(int)((b0 + k) * Stride + row - p0)];
            visit((int)b0, piece);
        });
    }

    /// <summary>One pass over the slab's chunks in index order: visit(first element, the slab's part of the chunk).</summary>
    private void Pass(SlabPartVisitor visit)
    {
        long first = SlabStart / ChunkGrid.ChunkElements;
        long last = (SlabEnd - 1) / ChunkGrid.ChunkElements;
        _inOrder.ForEachChunk(_source.Length, first, last - first + 1, (_, start, count) =>
        {
            var values = _chunk.AsSpan(0, count);
            _source.Read(start, values);
            long lo = Math.Max(start, SlabStart), hi = Math.Min(start + count, SlabEnd);
            visit(lo, values.Slice((int)(lo - start), (int)(hi - lo)));
        });
    }

    private delegate void SlabPartVisitor(long start, ReadOnlySpan<float> part);
}

/// <summary>A row's elements [first, first + values.Length), in index order.</summary>
internal delegate void RowPieceVisitor(int first, ReadOnlySpan<float> values);
