using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ModelMerge.Compute.Cpu;

/// <summary>
/// Top-k by magnitude in one pass over a large tensor instead of two. A histogram of every
/// sixteenth chunk brackets the k-th largest magnitude in a narrow window of high-bit buckets;
/// one full pass then counts what lies above the window and keeps the magnitudes inside it,
/// per chunk and in index order, so the exact cut and the ties before each chunk come from
/// memory. When the sample misled (the cut is outside the window, or the window is crowded)
/// it says so and the exact two-pass search runs instead: the result never depends on luck.
/// </summary>
internal static class MagnitudeWindow
{
    private const long SampleStride = 16;
    private const long MinimumChunks = 2 * SampleStride;

    /// <summary>Beyond this many magnitudes inside the window in one chunk, the window is too wide to be worth it.</summary>
    private const int MaxWindowPerChunk = 4096;

    public static MagnitudeCut? TryFindTopK(IChunkSource source, long k, ChunkRunner runner)
    {
        long chunks = ChunkGrid.ChunkCount(source.Length);
        if (chunks < MinimumChunks) return null;

        var (low, high) = SampleWindow(source, k, runner);
        var window = new uint[]?[chunks];
        var scan = runner.Reduce(source, () => new long[2], (counts, c, values) =>
        {
            var kept = Scan(values, low, high, out long above);
            window[c] = kept;
            counts[0] += above;
            if (kept is null) counts[1] = 1;
        }, (total, part) =>
        {
            total[0] += part[0];
            total[1] |= part[1];
        });
        long aboveWindow = scan[0];
        bool crowded = scan[1] != 0;
        if (crowded) return null;
        long inWindow = window.Sum(w => (long)w!.Length);
        if (aboveWindow >= k || aboveWindow + inWindow < k) return null;
        return CutInside(window, k - aboveWindow);
    }

    /// <summary>The range of high-bit buckets that, by the sample, holds the k-th largest magnitude with room to spare.</summary>
    private static (uint Low, uint High) SampleWindow(IChunkSource source, long k, ChunkRunner runner)
    {
        var histogram = runner.Reduce(source, MagnitudeSelection.HighHistogram.Rent, (h, _, chunk) => h.Add(chunk),
            (total, part) => total.AddInto(part), SampleStride);
        try
        {
            var totals = histogram.Totals();
            long sampled = 0;
            for (int b = 0; b < MagnitudeSelection.HighBuckets; b++) sampled += totals[b];
            double fraction = (double)k / source.Length;
            double rank = fraction * sampled;
            // Chunks are sampled whole, so neighbouring elements are not independent draws: the
            // margin is several binomial deviations plus a slice of the sample.
            double margin = 6 * Math.Sqrt(sampled * fraction * (1 - fraction)) + 0.002 * sampled + 64;
            uint high = rank - margin < 1 ? MagnitudeSelection.HighBuckets - 1
                : (uint)MagnitudeSelection.FindBucket(totals, MagnitudeSelection.HighBuckets, (long)(rank - margin)).Bucket;
            uint low = rank + margin >= sampled ? 0
                : (uint)MagnitudeSelection.FindBucket(totals, MagnitudeSelection.HighBuckets, (long)Math.Ceiling(rank + margin)).Bucket;
            return (low, high);
        }
        finally { histogram.Return(); }
    }

    /// <summary>Counts magnitudes above the window and returns those inside it in index order; null if too many.</summary>
    private static uint[]? Scan(ReadOnlySpan<float> values, uint lowBucket, uint highBucket, out long above)
    {
        var bits = MemoryMarshal.Cast<float, uint>(values);
        var kept = ArrayPool<uint>.Shared.Rent(MaxWindowPerChunk);
        // Bucket b covers magnitudes [b·2^16, (b+1)·2^16), so the window is a plain range of magnitudes.
        uint floor = lowBucket << 16;
        uint ceiling = (highBucket << 16) | 0xFFFF;
        try
        {
            int found = Vector512.IsHardwareAccelerated ? ScanWide(bits, floor, ceiling, kept, out above, out int i)
                : ScanNarrow(bits, floor, ceiling, kept, out above, out i);
            for (; found >= 0 && i < bits.Length; i++)
            {
                uint magnitude = bits[i] & 0x7FFF_FFFF;
                if (magnitude > ceiling) above++;
                else if (magnitude >= floor) found = found == MaxWindowPerChunk ? -1 : Keep(kept, found, magnitude);
            }
            return found < 0 ? null : kept.AsSpan(0, found).ToArray();
        }
        finally { ArrayPool<uint>.Shared.Return(kept); }
    }

    private static int Keep(uint[] kept, int found, uint magnitude)
    {
        kept[found] = magnitude;
        return found + 1;
    }

    /// <summary>
    /// The scan sixteen lanes at a time; returns how many magnitudes it kept (−1 when the window
    /// overflowed) and, in <paramref name="done"/>, where the scalar tail starts. The counters are
    /// locals, not the out parameters, so they stay in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int ScanWide(ReadOnlySpan<uint> bits, uint floor, uint ceiling, uint[] kept, out long above, out int done)
    {
        ref uint start = ref MemoryMarshal.GetReference(bits);
        var magnitudeMask = Vector512.Create(0x7FFF_FFFFu);
        var below = Vector512.Create(floor);
        var top = Vector512.Create(ceiling);
        long count = 0;
        int found = 0;
        int i = 0;
        for (; i <= bits.Length - Vector512<uint>.Count; i += Vector512<uint>.Count)
        {
            var magnitude = Vector512.LoadUnsafe(ref start, (nuint)i) & magnitudeMask;
            var isAbove = Vector512.GreaterThan(magnitude, top);
            count += BitOperations.PopCount(isAbove.ExtractMostSignificantBits());
            ulong inside = Vector512.AndNot(Vector512.GreaterThanOrEqual(magnitude, below), isAbove).ExtractMostSignificantBits();
            if (inside == 0) continue;
            if (found + BitOperations.PopCount(inside) > MaxWindowPerChunk)
            {
                found = -1;
                break;
            }
            do
            {
                kept[found++] = Unsafe.Add(ref start, i + BitOperations.TrailingZeroCount(inside)) & 0x7FFF_FFFF;
                inside &= inside - 1;
            }
            while (inside != 0);
        }
        above = count;
        done = i;
        return found;
    }

    /// <summary>The scan eight lanes at a time, for machines without AVX-512.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int ScanNarrow(ReadOnlySpan<uint> bits, uint floor, uint ceiling, uint[] kept, out long above, out int done)
    {
        long count = 0;
        int found = 0;
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var magnitudeMask = Vector256.Create(0x7FFF_FFFFu);
            var below = Vector256.Create(floor);
            var top = Vector256.Create(ceiling);
            for (; i <= bits.Length - Vector256<uint>.Count; i += Vector256<uint>.Count)
            {
                var magnitude = Vector256.Create(bits.Slice(i)) & magnitudeMask;
                var isAbove = Vector256.GreaterThan(magnitude, top);
                count += BitOperations.PopCount(isAbove.ExtractMostSignificantBits());
                uint inside = (Vector256.GreaterThanOrEqual(magnitude, below) & ~isAbove).ExtractMostSignificantBits();
                if (found + BitOperations.PopCount(inside) > MaxWindowPerChunk)
                {
                    found = -1;
                    break;
                }
                while (inside != 0)
                {
                    kept[found++] = bits[i + BitOperations.TrailingZeroCount(inside)] & 0x7FFF_FFFF;
                    inside &= inside - 1;
                }
            }
        }
        above = count;
        done = i;
        return found;
    }

    /// <summary>The cut keeping the <paramref name="need"/> largest of the windowed magnitudes, found by radix select in memory.</summary>
    private static MagnitudeCut CutInside(uint[]?[] window, long need)
    {
        // Both histograms are pooled: a model has hundreds of tensors and each needs them twice per task vector (768 KB each time).
        var highCounts = MagnitudeSelection.RentCleared(MagnitudeSelection.HighBuckets);
        var lowCounts = MagnitudeSelection.RentCleared(1 << 16);
        try
        {
            foreach (var chunk in window)
                foreach (uint m in chunk!) highCounts[m >> 16]++;
            var (highBucket, aboveHigh) = MagnitudeSelection.FindBucket(highCounts, MagnitudeSelection.HighBuckets, need);

            foreach (var chunk in window)
                foreach (uint m in chunk!)
                    if (m >> 16 == highBucket) lowCounts[m & 0xFFFF]++;
            var (lowBucket, aboveLow) = MagnitudeSelection.FindBucket(lowCounts, 1 << 16, need - aboveHigh);
            uint threshold = ((uint)highBucket << 16) | (uint)lowBucket;
            return MagnitudeCut.Create(threshold, need - aboveHigh - aboveLow, lowCounts[lowBucket],
                () => window.Select(chunk => (long)chunk!.AsSpan().Count(threshold)).ToArray());
        }
        finally
        {
            ArrayPool<long>.Shared.Return(highCounts);
            ArrayPool<long>.Shared.Return(lowCounts);
        }
    }
}
