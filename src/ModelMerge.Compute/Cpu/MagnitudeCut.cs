using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ModelMerge.Compute.Cpu;

/// <summary>
/// Where a top-k cut falls: keep every magnitude above <see cref="ThresholdBits"/>, and of
/// those equal to it the first <see cref="KeepAtThreshold"/> in index order.
/// </summary>
/// <param name="TiesBeforeChunk">Per grid chunk, how many elements equal to the threshold precede it; null when all ties are kept.</param>
/// <param name="AtThreshold">How many elements of the whole tensor equal the threshold (kept or not).</param>
public sealed record MagnitudeCut(uint ThresholdBits, long[]? TiesBeforeChunk, long KeepAtThreshold, long AtThreshold)
{
    /// <summary>
    /// The cut at <paramref name="threshold"/> keeping <paramref name="keepAtThreshold"/> of the
    /// <paramref name="atThreshold"/> equal magnitudes. Only when some of those are dropped does
    /// index order matter; then <paramref name="tiesPerChunk"/> counts them per grid chunk. A zero
    /// magnitude contributes nothing whether kept or not, so a zero cut never needs the count.
    /// </summary>
    internal static MagnitudeCut Create(uint threshold, long keepAtThreshold, long atThreshold, Func<long[]> tiesPerChunk)
    {
        if (threshold == 0 || keepAtThreshold == atThreshold)
            return new MagnitudeCut(threshold, TiesBeforeChunk: null, keepAtThreshold, atThreshold);
        var perChunk = tiesPerChunk();
        var before = new long[perChunk.Length];
        long running = 0;
        for (int c = 0; c < perChunk.Length; c++)
        {
            before[c] = running;
            running += perChunk[c];
        }
        return new MagnitudeCut(threshold, before, keepAtThreshold, atThreshold);
    }

    /// <summary>Zeroes what the cut drops in grid chunk <paramref name="chunk"/>.</summary>
    public void Apply(long chunk, Span<float> values)
    {
        var bits = MemoryMarshal.Cast<float, uint>(values);
        long tiesSeen = TiesBeforeChunk?[chunk] ?? 0;
        // With every tie kept, "at or above the threshold" is the whole rule.
        long tiesLeft = TiesBeforeChunk is null ? long.MaxValue : Math.Max(0, KeepAtThreshold - tiesSeen);
        int done = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            // Magnitudes equal to the threshold are common (bf16 deltas take few distinct values),
            // so vectors keep all their ties while the count allows; the one vector where the kept
            // ties run out takes the scalar rule, and every vector after it drops its ties.
            (done, tiesLeft) = KeepTiesWide(bits, tiesLeft);
            if (tiesLeft > 0 && done + Vector512<uint>.Count <= bits.Length)
            {
                tiesLeft = ApplyScalar(bits.Slice(done, Vector512<uint>.Count), tiesLeft);
                done += Vector512<uint>.Count;
            }
            if (tiesLeft == 0) done = DropTiesWide(bits, done);
        }
        else if (Vector256.IsHardwareAccelerated) done = ApplyNarrow(bits, ref tiesLeft);
        ApplyScalar(bits[done..], tiesLeft);
    }

    /// <summary>Keeps everything at or above the threshold, sixteen lanes at a time, until a vector holds more ties than may be kept.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private (int Done, long TiesLeft) KeepTiesWide(Span<uint> bits, long tiesLeft)
    {
        ref uint start = ref MemoryMarshal.GetReference(bits);
        var magnitudeMask = Vector512.Create(0x7FFF_FFFFu);
        var threshold = Vector512.Create(ThresholdBits);
        int i = 0;
        for (; tiesLeft > 0 && i <= bits.Length - Vector512<uint>.Count; i += Vector512<uint>.Count)
        {
            var v = Vector512.LoadUnsafe(ref start, (nuint)i);
            var magnitude = v & magnitudeMask;
            int ties = BitOperations.PopCount(Vector512.Equals(magnitude, threshold).ExtractMostSignificantBits());
            if (ties > tiesLeft) break;
            tiesLeft -= ties;
            (v & Vector512.GreaterThanOrEqual(magnitude, threshold)).StoreUnsafe(ref start, (nuint)i);
        }
        return (i, tiesLeft);
    }

    /// <summary>Keeps only what is above the threshold, sixteen lanes at a time from <paramref name="i"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int DropTiesWide(Span<uint> bits, int i)
    {
        ref uint start = ref MemoryMarshal.GetReference(bits);
        var magnitudeMask = Vector512.Create(0x7FFF_FFFFu);
        var threshold = Vector512.Create(ThresholdBits);
        for (; i <= bits.Length - Vector512<uint>.Count; i += Vector512<uint>.Count)
        {
            var v = Vector512.LoadUnsafe(ref start, (nuint)i);
            (v & Vector512.GreaterThan(v & magnitudeMask, threshold)).StoreUnsafe(ref start, (nuint)i);
        }
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int ApplyNarrow(Span<uint> bits, ref long tiesLeft)
    {
        var magnitudeMask = Vector256.Create(0x7FFF_FFFFu);
        var threshold = Vector256.Create(ThresholdBits);
        int i = 0;
        for (; i <= bits.Length - Vector256<uint>.Count; i += Vector256<uint>.Count)
        {
            var v = Vector256.Create<uint>(bits.Slice(i));
            var magnitude = v & magnitudeMask;
            var keep = Vector256.GreaterThan(magnitude, threshold);
            uint ties = Vector256.Equals(magnitude, threshold).ExtractMostSignificantBits();
            if (ties != 0)
            {
                uint keptTies = 0;
                while (ties != 0 && tiesLeft > 0)
                {
                    keptTies |= ties & (0u - ties);
                    ties &= ties - 1;
                    tiesLeft--;
                }
                keep |= LaneMask.FromBits(keptTies);
            }
            (v & keep).CopyTo(bits.Slice(i));
        }
        return i;
    }

    /// <summary>The rule one element at a time; returns how many ties may still be kept.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private long ApplyScalar(Span<uint> bits, long tiesLeft)
    {
        for (int i = 0; i < bits.Length; i++)
        {
            uint magnitude = bits[i] & 0x7FFF_FFFF;
            if (magnitude > ThresholdBits) continue;
            if (magnitude == ThresholdBits && tiesLeft > 0)
            {
                tiesLeft--;
                continue;
            }
            bits[i] = 0;
        }
        return tiesLeft;
    }
}
