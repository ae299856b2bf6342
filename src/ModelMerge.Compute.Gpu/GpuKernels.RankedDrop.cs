using System.Numerics;
using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Compute.Cpu;

namespace ModelMerge.Compute.Gpu;

/// <summary>DELLA on the device: the rank-dependent drop of <c>RankedDrop</c>, mask for mask.</summary>
public sealed partial class GpuKernels
{
    /// <summary>Sort keys held at once: 256 MB. More rows are sorted batch after batch.</summary>
    private const long SortKeysPerBatch = 1L << 25;

    /// <summary>The most sort keys one slab of rows may need (1 GiB): a larger slab is left to the CPU.</summary>
    public const long MaxSortKeysPerSlab = 1L << 27;

    private Action<Index1D, ArrayView<float>, long, int, long, long, ArrayView<ulong>>? _fillRankKeys;
    private Action<Index1D, ArrayView<ulong>, int, int, int>? _bitonicStep;
    private Action<Index1D, ArrayView<ulong>, ArrayView<float>, long, int, long, long, long, ulong, ArrayView<ulong>, ArrayView<float>>? _decideRanked;

    /// <summary>Sort keys per slab of <paramref name="rows"/>: its rows, each padded to a power of two.</summary>
    public static long SortKeysPerSlab(RowLayout rows) => rows.Stride * (long)BitOperations.RoundUpToPowerOf2((ulong)Math.Max(1, rows.RowLength));

    /// <summary>
    /// Writes <paramref name="values"/> into <paramref name="dropped"/> with DELLA's drop applied
    /// (not rescaled): element j kept ⇔ (<c>CounterRandom.Draw</c>(key, first + j) >> 32) &lt;
    /// keepLimits[rank_j], rank_j its 0-based ascending magnitude rank in its row, lower index
    /// first among equals — <c>RowRankedMask.Build</c>'s mask. The values are whole slabs of
    /// <paramref name="rows"/>, elements [first, first + rows.Length) of the tensor.
    /// </summary>
    /// <param name="keepLimits">One limit per rank, from <c>CounterRandom.KeepLimit</c> of <c>RankedDrop.KeepProbabilities</c>.</param>
    public void RankedDrop(ArrayView<float> values, RowLayout rows, long first, ulong key, ArrayView<ulong> keepLimits, ArrayView<float> dropped) =>
        RankedDrop(values, rows, first, key, keepLimits, dropped, SortKeysPerBatch);

    /// <param name="keysPerBatch">Sort keys held at once; tests make it small so that rows are sorted in several batches.</param>
    internal void RankedDrop(ArrayView<float> values, RowLayout rows, long first, ulong key, ArrayView<ulong> keepLimits, ArrayView<float> dropped, long keysPerBatch)
    {
        if (values.Length != rows.Length || dropped.Length != rows.Length) throw new ArgumentException("the values and the drop must hold the rows' elements.", nameof(values));
        if (keepLimits.Length != rows.RowLength) throw new ArgumentException("one keep limit per rank of a row is needed.", nameof(keepLimits));
        long perSlab = SortKeysPerSlab(rows);
        if (perSlab > MaxSortKeysPerSlab) throw new ArgumentException($"a slab of rows needs {perSlab} sort keys; at most {MaxSortKeysPerSlab} fit.", nameof(rows));
        if (rows.Length == 0) return;
        int log2Padded = BitOperations.Log2((ulong)(perSlab / rows.Stride));
        int slotMask = (1 << log2Padded) - 1;
        long slabsPerBatch = Math.Min(rows.Slabs, Math.Max(1, keysPerBatch / perSlab));
        using var keys = accelerator.Allocate1D<ulong>(slabsPerBatch * perSlab);
        var fill = _fillRankKeys ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, long, int, long, long, ArrayView<ulong>>(RankedDropKernels.FillKeys);
        var step = _bitonicStep ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<ulong>, int, int, int>(RankedDropKernels.Step);
        var decide = _decideRanked ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<ulong>, ArrayView<float>, long, int, long, long, long, ulong, ArrayView<ulong>, ArrayView<float>>(
            RankedDropKernels.Decide);
        for (long slab = 0; slab < rows.Slabs; slab += slabsPerBatch)
        {
            int count = checked((int)(Math.Min(slabsPerBatch, rows.Slabs - slab) * perSlab));
            var batch = keys.View.SubView(0, count);
            fill(count, values, slab, log2Padded, rows.RowLength, rows.Stride, batch);
            for (int k = 2; k <= slotMask + 1; k <<= 1)
                for (int j = k >> 1; j > 0; j >>= 1)
                    step(count / 2, batch, j, k, slotMask);
            decide(count, batch, values, slab, log2Padded, rows.RowLength, rows.Stride, first, key, keepLimits, dropped);
        }
    }
}
