using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ModelMerge.Compute.Cpu;

/// <summary>
/// The k largest magnitudes of a tensor, by radix select on the float bits of |x| (no sort,
/// no copy of the tensor): a histogram of the high 16 bits finds the bucket holding the k-th
/// largest, a second histogram inside that bucket finds its exact value. Among equal
/// magnitudes at the cut the lower flat index is kept first, so the kept set is unique.
/// </summary>
public static class MagnitudeSelection
{
    private const int Buckets = 1 << 16;

    /// <summary>Finds the cut that keeps exactly <paramref name="k"/> elements (1 ≤ k ≤ Length).</summary>
    public static MagnitudeCut FindTopK(IChunkSource source, long k, ChunkRunner runner)
    {
        if (k < 1 || k > source.Length) throw new ArgumentOutOfRangeException(nameof(k), $"k must be in [1, {source.Length}].");

        var high = runner.Reduce(source, () => new long[Buckets],
            (hist, _, chunk) => CountHigh(chunk, hist), AddInto);
        var (highBucket, aboveHigh) = FindBucket(high, k);
        long needInBucket = k - aboveHigh;

        var low = runner.Reduce(source, () => new long[Buckets],
            (hist, _, chunk) => CountLowWithin(chunk, (uint)highBucket, hist), AddInto);
        var (lowBucket, aboveLow) = FindBucket(low, needInBucket);
        uint threshold = ((uint)highBucket << 16) | (uint)lowBucket;
        long keepAtThreshold = needInBucket - aboveLow;
        long atThreshold = low[lowBucket];

        // A zero magnitude contributes nothing whether kept or not, and when every element at
        // the cut is kept no index bookkeeping is needed.
        if (threshold == 0 || keepAtThreshold == atThreshold)
            return new MagnitudeCut(threshold, TiesBeforeChunk: null, keepAtThreshold);

        var perChunk = new long[ChunkGrid.ChunkCount(source.Length)];
        runner.Reduce<object>(source, () => new object(),
            (_, c, chunk) => perChunk[c] = CountEqual(chunk, threshold), (_, _) => { });
        var before = new long[perChunk.Length];
        long running = 0;
        for (int c = 0; c < perChunk.Length; c++)
        {
            before[c] = running;
            running += perChunk[c];
        }
        return new MagnitudeCut(threshold, before, keepAtThreshold);
    }

    private static void AddInto(long[] total, long[] part)
    {
        for (int i = 0; i < total.Length; i++) total[i] += part[i];
    }

    /// <summary>The bucket, scanning from the largest, where the running count reaches <paramref name="k"/>, and the count strictly above it.</summary>
    private static (int Bucket, long Above) FindBucket(long[] histogram, long k)
    {
        long above = 0;
        for (int b = histogram.Length - 1; b >= 0; b--)
        {
            if (above + histogram[b] >= k) return (b, above);
            above += histogram[b];
        }
        throw new InvalidOperationException("the histogram holds fewer elements than requested.");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint MagnitudeBits(float value) => BitConverter.SingleToUInt32Bits(value) & 0x7FFF_FFFF;

    private static void CountHigh(ReadOnlySpan<float> chunk, long[] histogram)
    {
        ref long h = ref MemoryMarshal.GetArrayDataReference(histogram);
        foreach (var bits in MemoryMarshal.Cast<float, uint>(chunk))
            Unsafe.Add(ref h, (int)((bits & 0x7FFF_FFFF) >> 16))++;
    }

    private static void CountLowWithin(ReadOnlySpan<float> chunk, uint highBucket, long[] histogram)
    {
        ref long h = ref MemoryMarshal.GetArrayDataReference(histogram);
        foreach (var bits in MemoryMarshal.Cast<float, uint>(chunk))
        {
            uint magnitude = bits & 0x7FFF_FFFF;
            if (magnitude >> 16 == highBucket) Unsafe.Add(ref h, (int)(magnitude & 0xFFFF))++;
        }
    }

    private static long CountEqual(ReadOnlySpan<float> chunk, uint threshold)
    {
        long count = 0;
        foreach (var bits in MemoryMarshal.Cast<float, uint>(chunk))
            if ((bits & 0x7FFF_FFFF) == threshold) count++;
        return count;
    }
}

/// <summary>
/// Where a top-k cut falls: keep every magnitude above <see cref="ThresholdBits"/>, and of
/// those equal to it the first <see cref="KeepAtThreshold"/> in index order.
/// </summary>
/// <param name="TiesBeforeChunk">Per grid chunk, how many elements equal to the threshold precede it; null when all ties are kept.</param>
public sealed record MagnitudeCut(uint ThresholdBits, long[]? TiesBeforeChunk, long KeepAtThreshold)
{
    /// <summary>Zeroes what the cut drops in grid chunk <paramref name="chunk"/>.</summary>
    public void Apply(long chunk, Span<float> values)
    {
        var bits = MemoryMarshal.Cast<float, uint>(values);
        if (TiesBeforeChunk is null)
        {
            ZeroBelow(bits, ThresholdBits);
            return;
        }
        long tiesSeen = TiesBeforeChunk[chunk];
        for (int i = 0; i < bits.Length; i++)
        {
            uint magnitude = bits[i] & 0x7FFF_FFFF;
            if (magnitude > ThresholdBits) continue;
            if (magnitude == ThresholdBits && tiesSeen++ < KeepAtThreshold) continue;
            bits[i] = 0;
        }
    }

    private static void ZeroBelow(Span<uint> bits, uint threshold)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var t = Vector512.Create(threshold);
            var abs = Vector512.Create(0x7FFF_FFFFu);
            for (; i <= bits.Length - 16; i += 16)
            {
                var v = Vector512.Create<uint>(bits.Slice(i));
                var keep = Vector512.GreaterThanOrEqual(v & abs, t);
                (v & keep).CopyTo(bits.Slice(i));
            }
        }
        for (; i < bits.Length; i++)
            if ((bits[i] & 0x7FFF_FFFF) < threshold) bits[i] = 0;
    }
}
