namespace ModelMerge.Compute.Cpu;

/// <summary>
/// A position p in the ascending order of magnitudes, where among equal magnitudes the lower
/// flat index comes first (merge-semantics §4.2, "MM: ties by lower index"). The elements at
/// positions ≥ p are those with |x| above <see cref="ThresholdBits"/> and, of those equal to it,
/// all but the first <see cref="TiesBelow"/> in index order.
/// </summary>
/// <remarks>
/// Those are the n − p largest with the higher index winning among equals: the mirror image of
/// <see cref="MagnitudeCut"/>'s rule. The radix select that finds a cut finds the threshold and
/// the tie counts per chunk for either rule, so a boundary is a cut read from the other end of
/// its run of ties.
/// </remarks>
/// <param name="TiesBelow">Of the elements equal to the threshold, how many (lowest indices first) lie below p.</param>
/// <param name="TiesBeforeChunk">Per grid chunk, how many elements equal to the threshold precede it; null when no tie lies below p.</param>
public sealed record RankBoundary(uint ThresholdBits, long TiesBelow, long[]? TiesBeforeChunk)
{
    /// <summary>Position 0: every element is at or above it.</summary>
    public static RankBoundary First { get; } = new(0, 0, null);

    /// <summary>Position n: no element is at or above it (a threshold above every magnitude, NaN included).</summary>
    public static RankBoundary PastLast { get; } = new(uint.MaxValue, 0, null);

    /// <summary>The boundary at <paramref name="position"/> (0 ≤ position &lt; Length), by one top-k selection.</summary>
    public static RankBoundary Find(IChunkSource source, long position, ChunkRunner runner)
    {
        if (position < 0 || position >= source.Length)
            throw new ArgumentOutOfRangeException(nameof(position), $"position must be in [0, {source.Length}).");
        if (position == 0) return First;
        var cut = MagnitudeSelection.FindTopK(source, source.Length - position, runner);
        // A cut without tie counts either keeps its whole run of ties (none lies below p) or sits
        // at magnitude zero, where kept and dropped elements are the same zeros.
        return cut.TiesBeforeChunk is null
            ? new RankBoundary(cut.ThresholdBits, 0, null)
            : new RankBoundary(cut.ThresholdBits, cut.AtThreshold - cut.KeepAtThreshold, cut.TiesBeforeChunk);
    }
}
