using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Compute.Cpu;

namespace ModelMerge.Compute.Gpu;

/// <summary>
/// The host half of a top-k by magnitude on the device: radix select on |x|'s float bits as
/// <see cref="MagnitudeSelection"/> does it exactly (a histogram of the high 15 bits, then of the
/// low 16 bits inside the chosen bucket), the buckets picked by the CPU's own rule. Only the
/// histograms, per-segment tie counts and one segment come back to the host, never the tensor.
/// </summary>
internal sealed class DeviceTopK(Accelerator accelerator)
{
    private const int LowBuckets = 1 << 16;

    private Action<Index1D, ArrayView<float>, ArrayView<long>>? _highHistogram;
    private Action<Index1D, ArrayView<float>, uint, ArrayView<long>>? _lowHistogram;
    private Action<Index1D, ArrayView<float>, uint, ArrayView<int>>? _countTies;

    // Kept for the accelerator's life: every tensor needs them, and device allocations are slow.
    private MemoryBuffer1D<long, Stride1D.Dense>? _high;
    private MemoryBuffer1D<long, Stride1D.Dense>? _low;

    public DeviceMagnitudeCut Find(ArrayView<float> values, long k)
    {
        if (k < 1 || k > values.Length) throw new ArgumentOutOfRangeException(nameof(k), $"k must be in [1, {values.Length}].");
        // The kernels index with 32 bits.
        _ = checked((int)values.Length);

        _high ??= accelerator.Allocate1D<long>(MagnitudeSelection.HighBuckets);
        _high.MemSetToZero();
        HighHistogram(values);
        var (highBucket, aboveHigh) = MagnitudeSelection.FindBucket(_high.GetAsArray1D(), MagnitudeSelection.HighBuckets, k);
        long needInBucket = k - aboveHigh;

        _low ??= accelerator.Allocate1D<long>(LowBuckets);
        _low.MemSetToZero();
        LowHistogram(values, (uint)highBucket);
        var low = _low.GetAsArray1D();
        var (lowBucket, aboveLow) = MagnitudeSelection.FindBucket(low, LowBuckets, needInBucket);

        uint threshold = ((uint)highBucket << 16) | (uint)lowBucket;
        long keep = needInBucket - aboveLow;
        long atThreshold = low[lowBucket];
        // As on the CPU: a zero cut keeps every zero (−0 stays −0), and with all ties kept index order is moot.
        long lastKept = threshold == 0 || keep == atThreshold ? long.MaxValue : LastKeptTie(values, threshold, keep);
        return new DeviceMagnitudeCut(threshold, keep, atThreshold, lastKept);
    }

    /// <summary>
    /// The same cut for a tensor too large to hold whole: <paramref name="readPiece"/>(start,
    /// destination) writes elements [start, start + destination.Length) of it, and is called for
    /// every piece once per pass (the high bits, the low bits, and the ties when some are dropped).
    /// The histograms add up across pieces, and ties are counted in index order across them, so
    /// the cut is the one <see cref="Find"/> gives for the whole tensor.
    /// </summary>
    /// <returns>Null when <paramref name="readPiece"/> refused a piece.</returns>
    public DeviceMagnitudeCut? FindInPieces(long length, long k, int pieceElements, Func<long, ArrayView<float>, bool> readPiece)
    {
        if (k < 1 || k > length) throw new ArgumentOutOfRangeException(nameof(k), $"k must be in [1, {length}].");
        ArgumentOutOfRangeException.ThrowIfLessThan(pieceElements, 1);
        using var piece = accelerator.Allocate1D<float>(Math.Min(pieceElements, length));

        _high ??= accelerator.Allocate1D<long>(MagnitudeSelection.HighBuckets);
        _high.MemSetToZero();
        if (!EachPiece(length, piece.View, readPiece, (_, values) => HighHistogram(values))) return null;
        var (highBucket, aboveHigh) = MagnitudeSelection.FindBucket(_high.GetAsArray1D(), MagnitudeSelection.HighBuckets, k);
        long needInBucket = k - aboveHigh;

        _low ??= accelerator.Allocate1D<long>(LowBuckets);
        _low.MemSetToZero();
        if (!EachPiece(length, piece.View, readPiece, (_, values) => LowHistogram(values, (uint)highBucket))) return null;
        var low = _low.GetAsArray1D();
        var (lowBucket, aboveLow) = MagnitudeSelection.FindBucket(low, LowBuckets, needInBucket);

        uint threshold = ((uint)highBucket << 16) | (uint)lowBucket;
        long keep = needInBucket - aboveLow;
        long atThreshold = low[lowBucket];
        long lastKept = long.MaxValue;
        if (threshold != 0 && keep != atThreshold)
        {
            if (keep <= 0) lastKept = -1;
            else
            {
                long seen = 0;
                long found = -1;
                bool read = EachPiece(length, piece.View, readPiece, (start, values) =>
                {
                    if (found >= 0) return;
                    long local = NthTie(values, threshold, keep - seen, out long inPiece);
                    if (local >= 0) found = start + local;
                    else seen += inPiece;
                });
                if (!read) return null;
                lastKept = found >= 0 ? found : throw new InvalidOperationException("the device counted fewer elements at the threshold than its histogram did.");
            }
        }
        return new DeviceMagnitudeCut(threshold, keep, atThreshold, lastKept);
    }

    private static bool EachPiece(long length, ArrayView<float> buffer, Func<long, ArrayView<float>, bool> readPiece, Action<long, ArrayView<float>> visit)
    {
        for (long start = 0; start < length; start += buffer.Length)
        {
            var values = buffer.SubView(0, Math.Min(buffer.Length, length - start));
            if (!readPiece(start, values)) return false;
            visit(start, values);
        }
        return true;
    }

    private void HighHistogram(ArrayView<float> values) =>
        (_highHistogram ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<long>>(MagnitudeKernels.HighHistogram))
            ((int)values.Length, values, _high!.View);

    private void LowHistogram(ArrayView<float> values, uint highBucket) =>
        (_lowHistogram ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, uint, ArrayView<long>>(MagnitudeKernels.LowHistogram))
            ((int)values.Length, values, highBucket, _low!.View);

    /// <summary>The flat index of the <paramref name="keep"/>-th element equal to <paramref name="threshold"/>, in index order.</summary>
    private long LastKeptTie(ArrayView<float> values, uint threshold, long keep)
    {
        if (keep <= 0) return -1;
        long index = NthTie(values, threshold, keep, out _);
        return index >= 0 ? index : throw new InvalidOperationException("the device counted fewer elements at the threshold than its histogram did.");
    }

    /// <summary>
    /// The index in <paramref name="values"/> of its <paramref name="nth"/> element equal to
    /// <paramref name="threshold"/>, or −1 when it holds fewer; <paramref name="count"/> is how
    /// many it holds then. Only the per-segment counts and the one segment holding the element come back.
    /// </summary>
    private long NthTie(ArrayView<float> values, uint threshold, long nth, out long count)
    {
        int n = (int)values.Length;
        int segments = (n + MagnitudeKernels.TieSegment - 1) / MagnitudeKernels.TieSegment;
        using var perSegment = accelerator.Allocate1D<int>(segments);
        perSegment.MemSetToZero();
        (_countTies ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, uint, ArrayView<int>>(MagnitudeKernels.CountTies))
            (n, values, threshold, perSegment.View);
        var counts = perSegment.GetAsArray1D();

        long seen = 0;
        for (int s = 0; s < segments; s++)
        {
            if (seen + counts[s] < nth)
            {
                seen += counts[s];
                continue;
            }
            long start = (long)s * MagnitudeKernels.TieSegment;
            var segment = values.SubView(start, Math.Min(MagnitudeKernels.TieSegment, n - start)).GetAsArray();
            for (int j = 0; j < segment.Length; j++)
                if ((BitConverter.SingleToUInt32Bits(segment[j]) & 0x7FFF_FFFFu) == threshold && ++seen == nth)
                {
                    count = seen;
                    return start + j;
                }
        }
        count = seen;
        return -1;
    }
}
