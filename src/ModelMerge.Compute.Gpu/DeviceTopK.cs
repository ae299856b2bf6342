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
        int n = checked((int)values.Length);

        _high ??= accelerator.Allocate1D<long>(MagnitudeSelection.HighBuckets);
        _high.MemSetToZero();
        (_highHistogram ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<long>>(MagnitudeKernels.HighHistogram))
            (n, values, _high.View);
        var (highBucket, aboveHigh) = MagnitudeSelection.FindBucket(_high.GetAsArray1D(), MagnitudeSelection.HighBuckets, k);
        long needInBucket = k - aboveHigh;

        _low ??= accelerator.Allocate1D<long>(LowBuckets);
        _low.MemSetToZero();
        (_lowHistogram ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, uint, ArrayView<long>>(MagnitudeKernels.LowHistogram))
            (n, values, (uint)highBucket, _low.View);
        var low = _low.GetAsArray1D();
        var (lowBucket, aboveLow) = MagnitudeSelection.FindBucket(low, LowBuckets, needInBucket);

        uint threshold = ((uint)highBucket << 16) | (uint)lowBucket;
        long keep = needInBucket - aboveLow;
        long atThreshold = low[lowBucket];
        // As on the CPU: a zero cut keeps every zero (−0 stays −0), and with all ties kept index order is moot.
        long lastKept = threshold == 0 || keep == atThreshold ? long.MaxValue : LastKeptTie(values, threshold, keep);
        return new DeviceMagnitudeCut(threshold, keep, atThreshold, lastKept);
    }

    /// <summary>The flat index of the <paramref name="keep"/>-th element equal to <paramref name="threshold"/>, in index order.</summary>
    private long LastKeptTie(ArrayView<float> values, uint threshold, long keep)
    {
        if (keep <= 0) return -1;
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
            if (seen + counts[s] < keep)
            {
                seen += counts[s];
                continue;
            }
            long start = (long)s * MagnitudeKernels.TieSegment;
            var segment = values.SubView(start, Math.Min(MagnitudeKernels.TieSegment, n - start)).GetAsArray();
            for (int j = 0; j < segment.Length; j++)
                if ((BitConverter.SingleToUInt32Bits(segment[j]) & 0x7FFF_FFFFu) == threshold && ++seen == keep) return start + j;
        }
        throw new InvalidOperationException("the device counted fewer elements at the threshold than its histogram did.");
    }
}
