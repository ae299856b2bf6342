using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ModelMerge.Compute.Cpu;

/// <summary>
/// Exact order statistics of a tensor — the values a full ascending sort would hold at given
/// ranks — by radix select, without sorting or copying it: tensors reach 10^9 elements. Each
/// float is mapped to a 32-bit key that orders like the value (sign included); a histogram of
/// the keys' high 16 bits finds the bucket holding each rank, a second pass histograms the low
/// 16 bits inside those buckets and reads the exact key off. Every requested rank shares the
/// two passes. Counts are integers, so the result does not depend on thread count.
/// </summary>
public static class OrderStatistics
{
    private const int Buckets = 1 << 16;

    /// <summary>The values at 0-based ascending <paramref name="ranks"/> (each in [0, Length)), in the order asked.</summary>
    public static float[] Select(IChunkSource source, IReadOnlyList<long> ranks, ChunkRunner runner)
    {
        foreach (long rank in ranks)
            if (rank < 0 || rank >= source.Length) throw new ArgumentOutOfRangeException(nameof(ranks), $"rank {rank} is outside [0, {source.Length}).");
        if (ranks.Count == 0) return [];

        var high = runner.Reduce(source, () => new long[Buckets], (counts, _, values) => CountHigh(values, counts), AddInto);
        var highBuckets = new int[ranks.Count];
        var rankInBucket = new long[ranks.Count];
        for (int r = 0; r < ranks.Count; r++) (highBuckets[r], rankInBucket[r]) = Locate(high, ranks[r]);

        var distinct = highBuckets.Distinct().ToArray();
        var low = runner.Reduce(source, () => new long[distinct.Length * Buckets],
            (counts, _, values) => CountLowWithin(values, distinct, counts), AddInto);

        var result = new float[ranks.Count];
        for (int r = 0; r < ranks.Count; r++)
        {
            int slot = Array.IndexOf(distinct, highBuckets[r]);
            var (lowBucket, _) = Locate(low.AsSpan(slot * Buckets, Buckets), rankInBucket[r]);
            result[r] = FromKey(((uint)highBuckets[r] << 16) | (uint)lowBucket);
        }
        return result;
    }

    /// <summary>
    /// The key of a float: positive values get the sign bit set, negative ones are complemented,
    /// so unsigned key order is numeric order (−0 just below +0; NaNs beyond the infinities).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint Key(uint bits) => (bits & 0x8000_0000) != 0 ? ~bits : bits | 0x8000_0000;

    private static float FromKey(uint key) =>
        BitConverter.UInt32BitsToSingle((key & 0x8000_0000) != 0 ? key & 0x7FFF_FFFF : ~key);

    /// <summary>The bucket, scanning from the smallest, that holds rank <paramref name="rank"/>, and that rank counted within the bucket.</summary>
    private static (int Bucket, long RankInBucket) Locate(ReadOnlySpan<long> histogram, long rank)
    {
        long below = 0;
        for (int b = 0; b < histogram.Length; b++)
        {
            if (below + histogram[b] > rank) return (b, rank - below);
            below += histogram[b];
        }
        throw new InvalidOperationException("the histogram holds fewer elements than the rank asked for.");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CountHigh(ReadOnlySpan<float> values, long[] counts)
    {
        foreach (uint bits in MemoryMarshal.Cast<float, uint>(values)) counts[Key(bits) >> 16]++;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CountLowWithin(ReadOnlySpan<float> values, int[] highBuckets, long[] counts)
    {
        foreach (uint bits in MemoryMarshal.Cast<float, uint>(values))
        {
            uint key = Key(bits);
            int high = (int)(key >> 16);
            for (int slot = 0; slot < highBuckets.Length; slot++)
                if (highBuckets[slot] == high) counts[slot * Buckets + (int)(key & 0xFFFF)]++;
        }
    }

    private static void AddInto(long[] total, long[] part)
    {
        for (int i = 0; i < total.Length; i++) total[i] += part[i];
    }
}
