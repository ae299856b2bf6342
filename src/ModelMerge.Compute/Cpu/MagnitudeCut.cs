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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Apply(long chunk, Span<float> values)
    {
        var bits = MemoryMarshal.Cast<float, uint>(values);
        long tiesSeen = TiesBeforeChunk?[chunk] ?? 0;
        // With every tie kept, "at or above the threshold" is the whole rule.
        long tiesLeft = TiesBeforeChunk is null ? long.MaxValue : Math.Max(0, KeepAtThreshold - tiesSeen);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var magnitudeMask = Vector256.Create(0x7FFF_FFFFu);
            var threshold = Vector256.Create(ThresholdBits);
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
        }
        for (; i < bits.Length; i++)
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
    }
}
