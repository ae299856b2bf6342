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

    public DeviceMagnitudeCut Find(ArrayView<float> values, long k) => Cut(values.Length, k, Whole(values))!.Value;

    /// <summary>
    /// The same cut for a tensor too large to hold whole: <paramref name="readPiece"/>(start,
    /// destination) writes elements [start, start + destination.Length) of it, and is called for
    /// every piece once per pass (the high bits, the low bits, and the ties when some are dropped).
    /// </summary>
    /// <returns>Null when <paramref name="readPiece"/> refused a piece.</returns>
    public DeviceMagnitudeCut? FindInPieces(long length, long k, int pieceElements, Func<long, ArrayView<float>, bool> readPiece)
    {
        CheckK(length, k);
        return InPieces(length, pieceElements, readPiece, eachPiece => Cut(length, k, eachPiece));
    }

    public DeviceRankBoundary FindBoundary(ArrayView<float> values, long position) => Boundary(values.Length, position, Whole(values))!.Value;

    /// <summary><see cref="FindBoundary"/> over pieces, as <see cref="FindInPieces"/> reads them; null when a piece was refused.</summary>
    public DeviceRankBoundary? FindBoundaryInPieces(long length, long position, int pieceElements, Func<long, ArrayView<float>, bool> readPiece) =>
        InPieces(length, pieceElements, readPiece, eachPiece => Boundary(length, position, eachPiece));

    /// <summary>A tensor held whole, as the one piece of every pass.</summary>
    private static Func<Action<long, ArrayView<float>>, bool> Whole(ArrayView<float> values)
    {
        // The kernels index with 32 bits.
        _ = checked((int)values.Length);
        return visit =>
        {
            visit(0, values);
            return true;
        };
    }

    /// <summary>Runs <paramref name="select"/> with passes that read the tensor into one device buffer of <paramref name="pieceElements"/>, piece after piece.</summary>
    private T? InPieces<T>(long length, int pieceElements, Func<long, ArrayView<float>, bool> readPiece,
        Func<Func<Action<long, ArrayView<float>>, bool>, T?> select) where T : struct
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pieceElements, 1);
        using var piece = accelerator.Allocate1D<float>(Math.Min(pieceElements, length));
        return select(visit => EachPiece(length, piece.View, readPiece, visit));
    }

    /// <summary>
    /// The position <paramref name="position"/> (0 ≤ position &lt; length) of the ascending
    /// magnitude order, lower index first among equals (<c>RankBoundary.Find</c>): the top-k
    /// select for k = length − position, its run of ties read from the other end.
    /// </summary>
    /// <returns>Null when <paramref name="eachPiece"/> could not read a piece.</returns>
    private DeviceRankBoundary? Boundary(long length, long position, Func<Action<long, ArrayView<float>>, bool> eachPiece)
    {
        if (position < 0 || position >= length) throw new ArgumentOutOfRangeException(nameof(position), $"position must be in [0, {length}).");
        if (position == 0) return DeviceRankBoundary.First;
        if (Select(length, length - position, eachPiece) is not var (threshold, keep, atThreshold)) return null;
        // As the CPU's boundary: a cut that keeps its whole run of ties, or sits at zero, leaves no tie below.
        if (threshold == 0 || keep == atThreshold) return new DeviceRankBoundary(threshold, -1);
        return NthTie(eachPiece, threshold, atThreshold - keep) is long lastBelow ? new DeviceRankBoundary(threshold, lastBelow) : null;
    }

    /// <summary>
    /// The radix select over a tensor that <paramref name="eachPiece"/> hands over piece by piece,
    /// in index order, once per call (one piece when the tensor is held whole). The histograms add
    /// up across pieces and ties are counted in index order across them, so the cut is the whole
    /// tensor's however it is split. Null when a piece could not be read.
    /// </summary>
    private DeviceMagnitudeCut? Cut(long length, long k, Func<Action<long, ArrayView<float>>, bool> eachPiece)
    {
        if (Select(length, k, eachPiece) is not var (threshold, keep, atThreshold)) return null;
        // As on the CPU: a zero cut keeps every zero (−0 stays −0), and with all ties kept index order is moot.
        if (threshold == 0 || keep == atThreshold) return new DeviceMagnitudeCut(threshold, keep, atThreshold, long.MaxValue);
        if (keep <= 0) return new DeviceMagnitudeCut(threshold, keep, atThreshold, -1);
        return NthTie(eachPiece, threshold, keep) is long lastKept ? new DeviceMagnitudeCut(threshold, keep, atThreshold, lastKept) : null;
    }

    /// <summary>The two histogram passes: the k-th largest magnitude's bits, how many of its equals the top k hold, and how many equal it in all.</summary>
    private (uint Threshold, long Keep, long AtThreshold)? Select(long length, long k, Func<Action<long, ArrayView<float>>, bool> eachPiece)
    {
        CheckK(length, k);
        _high ??= accelerator.Allocate1D<long>(MagnitudeSelection.HighBuckets);
        _high.MemSetToZero();
        if (!eachPiece((_, values) => HighHistogram(values))) return null;
        var (highBucket, aboveHigh) = MagnitudeSelection.FindBucket(_high.GetAsArray1D(), MagnitudeSelection.HighBuckets, k);
        long needInBucket = k - aboveHigh;

        _low ??= accelerator.Allocate1D<long>(LowBuckets);
        _low.MemSetToZero();
        if (!eachPiece((_, values) => LowHistogram(values, (uint)highBucket))) return null;
        var low = _low.GetAsArray1D();
        var (lowBucket, aboveLow) = MagnitudeSelection.FindBucket(low, LowBuckets, needInBucket);
        return (((uint)highBucket << 16) | (uint)lowBucket, needInBucket - aboveLow, low[lowBucket]);
    }

    /// <summary>The flat index of the <paramref name="nth"/> element (1-based, index order) whose magnitude is <paramref name="threshold"/>; null when a piece could not be read.</summary>
    private long? NthTie(Func<Action<long, ArrayView<float>>, bool> eachPiece, uint threshold, long nth)
    {
        long seen = 0;
        long found = -1;
        bool read = eachPiece((start, values) =>
        {
            if (found >= 0) return;
            long local = NthTie(values, threshold, nth - seen, out long inPiece);
            if (local >= 0) found = start + local;
            else seen += inPiece;
        });
        if (!read) return null;
        if (found < 0) throw new InvalidOperationException("the device counted fewer elements at the threshold than its histogram did.");
        return found;
    }

    private static void CheckK(long length, long k)
    {
        if (k < 1 || k > length) throw new ArgumentOutOfRangeException(nameof(k), $"k must be in [1, {length}].");
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
