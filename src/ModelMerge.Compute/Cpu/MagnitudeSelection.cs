using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ModelMerge.Compute.Cpu;

/// <summary>
/// The k largest magnitudes of a tensor, by radix select on the float bits of |x| (no sort,
/// no copy of the tensor). Large tensors first try <see cref="MagnitudeWindow"/>: one pass
/// guided by a sample. Otherwise, exactly: a histogram of the high 15 bits (the sign is
/// cleared) finds the bucket holding the k-th largest; a second pass histograms the low 16
/// bits inside that bucket and, per grid chunk, remembers those low bits, so the exact cut
/// and, among equal magnitudes at the cut, how many precede each chunk (lower flat index kept
/// first) follow without a third pass.
/// </summary>
public static class MagnitudeSelection
{
    internal const int HighBuckets = 1 << 15;
    private const int LowBuckets = 1 << 16;

    /// <summary>Per chunk, the low bits kept for tie counting; beyond this a chunk is recounted instead.</summary>
    private const int MaxRememberedPerChunk = 8192;

    /// <summary>
    /// Up to this many elements the magnitudes are sorted instead: clearing and scanning the radix
    /// histograms (a quarter of a million counters) costs far more than sorting a layer norm's values.
    /// </summary>
    internal const int SortedUpTo = 4096;

    /// <summary>Finds the cut that keeps exactly <paramref name="k"/> elements (1 ≤ k ≤ Length).</summary>
    public static MagnitudeCut FindTopK(IChunkSource source, long k, ChunkRunner runner)
    {
        if (k < 1 || k > source.Length) throw new ArgumentOutOfRangeException(nameof(k), $"k must be in [1, {source.Length}].");
        if (source.Length <= SortedUpTo) return FindTopKBySorting(source, k);
        return MagnitudeWindow.TryFindTopK(source, k, runner) ?? FindTopKExactly(source, k, runner);
    }

    /// <summary>The same cut for a tensor of one small chunk, from its magnitude bits sorted.</summary>
    internal static MagnitudeCut FindTopKBySorting(IChunkSource source, long k)
    {
        int length = (int)source.Length;
        var values = ArrayPool<float>.Shared.Rent(length);
        try
        {
            source.Read(0, values.AsSpan(0, length));
            var bits = MemoryMarshal.Cast<float, uint>(values.AsSpan(0, length));
            for (int i = 0; i < bits.Length; i++) bits[i] &= 0x7FFF_FFFF;
            bits.Sort();
            uint threshold = bits[length - (int)k];
            int atOrAbove = length - bits.IndexOf(threshold);
            int above = length - (bits.LastIndexOf(threshold) + 1);
            long atThreshold = atOrAbove - above;
            return MagnitudeCut.Create(threshold, k - above, atThreshold, () => [atThreshold]);
        }
        finally { ArrayPool<float>.Shared.Return(values); }
    }

    /// <summary>The two-pass exact search, for any tensor.</summary>
    internal static MagnitudeCut FindTopKExactly(IChunkSource source, long k, ChunkRunner runner)
    {
        int highBucket;
        long aboveHigh;
        var high = runner.Reduce(source, HighHistogram.Rent, (h, _, chunk) => h.Add(chunk), (total, part) => total.AddInto(part));
        try { (highBucket, aboveHigh) = FindBucket(high.Totals(), HighBuckets, k); }
        finally { high.Return(); }
        long needInBucket = k - aboveHigh;

        var remembered = new ushort[]?[ChunkGrid.ChunkCount(source.Length)];
        var low = runner.Reduce(source, RentCounts,
            (hist, c, chunk) => remembered[c] = CountLowWithin(chunk, (uint)highBucket, hist), AddInto);
        var (lowBucket, aboveLow) = FindBucket(low, LowBuckets, needInBucket);
        long atThreshold = low[lowBucket];
        ArrayPool<long>.Shared.Return(low);
        uint threshold = ((uint)highBucket << 16) | (uint)lowBucket;
        return MagnitudeCut.Create(threshold, needInBucket - aboveLow, atThreshold, () =>
        {
            var perChunk = new long[remembered.Length];
            bool recount = false;
            for (int c = 0; c < remembered.Length; c++)
            {
                if (remembered[c] is ushort[] lows) perChunk[c] = lows.AsSpan().Count((ushort)lowBucket);
                else recount = true;
            }
            if (recount)
            {
                runner.ForEachChunk(source, (c, chunk) =>
                {
                    if (remembered[c] is null) perChunk[c] = CountEqual(chunk, threshold);
                });
            }
            return perChunk;
        });
    }

    /// <summary>Histogram counters are pooled: a large model needs thousands of them, each too big for the young heap.</summary>
    private static long[] RentCounts() => RentCleared(LowBuckets);

    /// <summary>A pooled array whose first <paramref name="length"/> counters are zero; return it to <see cref="ArrayPool{T}.Shared"/>.</summary>
    internal static long[] RentCleared(int length)
    {
        var counts = ArrayPool<long>.Shared.Rent(length);
        Array.Clear(counts, 0, length);
        return counts;
    }

    private static void AddInto(long[] total, long[] part)
    {
        for (int i = 0; i < LowBuckets; i++) total[i] += part[i];
        ArrayPool<long>.Shared.Return(part);
    }

    /// <summary>The bucket, scanning from the largest, where the running count reaches <paramref name="k"/>, and the count strictly above it.</summary>
    internal static (int Bucket, long Above) FindBucket(long[] histogram, int buckets, long k)
    {
        long above = 0;
        for (int b = buckets - 1; b >= 0; b--)
        {
            if (above + histogram[b] >= k) return (b, above);
            above += histogram[b];
        }
        throw new InvalidOperationException("the histogram holds fewer elements than requested.");
    }

    /// <summary>
    /// Four interleaved sub-histograms: real magnitudes crowd into a few buckets, and repeated
    /// increments of one counter would wait on each other.
    /// </summary>
    internal sealed class HighHistogram
    {
        private readonly int[] _counts;
        private readonly long[] _totals;
        private long _pending;

        private HighHistogram(int[] counts, long[] totals)
        {
            _counts = counts;
            _totals = totals;
        }

        public static HighHistogram Rent()
        {
            var counts = ArrayPool<int>.Shared.Rent(4 * HighBuckets);
            var totals = ArrayPool<long>.Shared.Rent(HighBuckets);
            Array.Clear(counts, 0, 4 * HighBuckets);
            Array.Clear(totals, 0, HighBuckets);
            return new HighHistogram(counts, totals);
        }

        public void Return()
        {
            ArrayPool<int>.Shared.Return(_counts);
            ArrayPool<long>.Shared.Return(_totals);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Add(ReadOnlySpan<float> chunk)
        {
            var bits = MemoryMarshal.Cast<float, uint>(chunk);
            ref int h = ref MemoryMarshal.GetArrayDataReference(_counts);
            int i = 0;
            for (; i <= bits.Length - 4; i += 4)
            {
                Unsafe.Add(ref h, (int)((bits[i] & 0x7FFF_FFFF) >> 16))++;
                Unsafe.Add(ref h, HighBuckets + (int)((bits[i + 1] & 0x7FFF_FFFF) >> 16))++;
                Unsafe.Add(ref h, 2 * HighBuckets + (int)((bits[i + 2] & 0x7FFF_FFFF) >> 16))++;
                Unsafe.Add(ref h, 3 * HighBuckets + (int)((bits[i + 3] & 0x7FFF_FFFF) >> 16))++;
            }
            for (; i < bits.Length; i++) Unsafe.Add(ref h, (int)((bits[i] & 0x7FFF_FFFF) >> 16))++;
            _pending += bits.Length;
            if (_pending >= 1 << 30) Fold();
        }

        /// <summary>Moves the 32-bit counts into the 64-bit totals before any could overflow.</summary>
        private void Fold()
        {
            for (int b = 0; b < HighBuckets; b++)
            {
                _totals[b] += (long)_counts[b] + _counts[HighBuckets + b] + _counts[2 * HighBuckets + b] + _counts[3 * HighBuckets + b];
                _counts[b] = _counts[HighBuckets + b] = _counts[2 * HighBuckets + b] = _counts[3 * HighBuckets + b] = 0;
            }
            _pending = 0;
        }

        public void AddInto(HighHistogram part)
        {
            part.Fold();
            Fold();
            for (int b = 0; b < HighBuckets; b++) _totals[b] += part._totals[b];
            part.Return();
        }

        public long[] Totals()
        {
            Fold();
            return _totals;
        }
    }

    /// <summary>Histograms the low 16 bits of the magnitudes in <paramref name="highBucket"/>; returns them in index order (null past the cap).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ushort[]? CountLowWithin(ReadOnlySpan<float> chunk, uint highBucket, long[] histogram)
    {
        var bits = MemoryMarshal.Cast<float, uint>(chunk);
        var lows = ArrayPool<ushort>.Shared.Rent(MaxRememberedPerChunk);
        int found = 0;
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var magnitudeMask = Vector256.Create(0x7FFF_FFFFu);
            var target = Vector256.Create(highBucket);
            for (; i <= bits.Length - Vector256<uint>.Count; i += Vector256<uint>.Count)
            {
                var v = Vector256.Create<uint>(bits.Slice(i));
                uint matches = Vector256.Equals((v & magnitudeMask) >>> 16, target).ExtractMostSignificantBits();
                while (matches != 0)
                {
                    int lane = BitOperations.TrailingZeroCount(matches);
                    matches &= matches - 1;
                    found = Remember(bits[i + lane], histogram, lows, found);
                }
            }
        }
        for (; i < bits.Length; i++)
            if ((bits[i] & 0x7FFF_FFFF) >> 16 == highBucket) found = Remember(bits[i], histogram, lows, found);

        if (found > MaxRememberedPerChunk)
        {
            ArrayPool<ushort>.Shared.Return(lows);
            return null;
        }
        var kept = lows.AsSpan(0, found).ToArray();
        ArrayPool<ushort>.Shared.Return(lows);
        return kept;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Remember(uint bits, long[] histogram, ushort[] lows, int found)
    {
        ushort low = (ushort)bits;
        histogram[low]++;
        if (found < MaxRememberedPerChunk) lows[found] = low;
        return found + 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long CountEqual(ReadOnlySpan<float> chunk, uint threshold)
    {
        long count = 0;
        foreach (var bits in MemoryMarshal.Cast<float, uint>(chunk))
            if ((bits & 0x7FFF_FFFF) == threshold) count++;
        return count;
    }
}
