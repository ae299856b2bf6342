using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ModelMerge.Compute.Cpu;

/// <summary>
/// The elements whose position in the ascending magnitude order (lower index first among equals)
/// lies in [<see cref="Lower"/>, <see cref="Upper"/>): Breadcrumbs keeps such a band, dropping
/// the smallest magnitudes below it and the outliers above it (merge-semantics §4.2
/// "magnitude_outliers"). Only elements equal to a boundary's threshold need their index order,
/// counted from the ties that precede their grid chunk.
/// </summary>
public sealed class MagnitudeBand(RankBoundary lower, RankBoundary upper)
{
    public RankBoundary Lower { get; } = lower;

    public RankBoundary Upper { get; } = upper;

    /// <summary>Zeroes what lies outside the band in grid chunk <paramref name="chunk"/> (read from its first element).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Apply(long chunk, Span<float> values)
    {
        var bits = MemoryMarshal.Cast<float, uint>(values);
        var edges = new Edges(Lower, Upper, chunk);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var magnitudeMask = Vector256.Create(0x7FFF_FFFFu);
            var lowest = Vector256.Create(Lower.ThresholdBits);
            var highest = Vector256.Create(Upper.ThresholdBits);
            for (; i <= bits.Length - Vector256<uint>.Count; i += Vector256<uint>.Count)
            {
                var v = Vector256.Create<uint>(bits.Slice(i));
                var magnitude = v & magnitudeMask;
                var keep = Vector256.GreaterThanOrEqual(magnitude, lowest) & Vector256.LessThan(magnitude, highest);
                uint ties = 0;
                if (edges.LowerCounted) ties |= Vector256.Equals(magnitude, lowest).ExtractMostSignificantBits();
                if (edges.UpperCounted) ties |= Vector256.Equals(magnitude, highest).ExtractMostSignificantBits();
                if (ties != 0)
                {
                    // Ties decide one by one in index order; each advances its boundary's count.
                    uint keptTies = 0;
                    for (uint t = ties; t != 0; t &= t - 1)
                    {
                        int lane = BitOperations.TrailingZeroCount(t);
                        if (edges.Keeps(bits[i + lane] & 0x7FFF_FFFF)) keptTies |= 1u << lane;
                    }
                    keep = (keep & ~LaneMask.FromBits(ties)) | LaneMask.FromBits(keptTies);
                }
                (v & keep).CopyTo(bits.Slice(i));
            }
        }
        for (; i < bits.Length; i++)
            if (!edges.Keeps(bits[i] & 0x7FFF_FFFF)) bits[i] = 0;
    }

    /// <summary>Both boundaries' tie counts as one chunk is scanned in index order.</summary>
    private ref struct Edges(RankBoundary lower, RankBoundary upper, long chunk)
    {
        private readonly uint _low = lower.ThresholdBits;
        private readonly uint _high = upper.ThresholdBits;
        private readonly long _lowTiesBelow = lower.TiesBelow;
        private readonly long _highTiesBelow = upper.TiesBelow;
        private long _lowSeen = lower.TiesBeforeChunk?[chunk] ?? 0;
        private long _highSeen = upper.TiesBeforeChunk?[chunk] ?? 0;

        public readonly bool LowerCounted = lower.TiesBeforeChunk is not null;

        public readonly bool UpperCounted = upper.TiesBeforeChunk is not null;

        /// <summary>At or above the lower boundary and below the upper one.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Keeps(uint magnitude)
        {
            bool aboveLower = magnitude > _low || (magnitude == _low && (!LowerCounted || _lowSeen++ >= _lowTiesBelow));
            bool belowUpper = magnitude < _high || (magnitude == _high && UpperCounted && _highSeen++ < _highTiesBelow);
            return aboveLower && belowUpper;
        }
    }
}
