namespace ModelMerge.Compute.Gpu;

/// <summary>
/// A position p of the ascending magnitude order (lower index first among equals) as the device
/// applies it: at or above p are the magnitudes above <see cref="ThresholdBits"/> and, of those
/// equal to it, the ones at flat index above <see cref="LastTieBelow"/>. The CPU's
/// <c>RankBoundary</c> counts the ties below p per grid chunk instead; both put the same first
/// ties in index order below p.
/// </summary>
/// <param name="LastTieBelow">The flat index of the last tie below p; −1 when none is.</param>
public readonly record struct DeviceRankBoundary(uint ThresholdBits, long LastTieBelow)
{
    /// <summary>Position 0: every element is at or above it.</summary>
    public static DeviceRankBoundary First => new(0, -1);

    /// <summary>Position n: a threshold above every magnitude, so no element is at or above it.</summary>
    public static DeviceRankBoundary PastLast => new(uint.MaxValue, -1);
}
