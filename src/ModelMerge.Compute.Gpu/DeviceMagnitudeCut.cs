namespace ModelMerge.Compute.Gpu;

/// <summary>
/// A top-k cut as the device applies it: keep every magnitude (|x|'s float bits) above
/// <see cref="ThresholdBits"/>, and of those equal to it the ones at flat index ≤
/// <see cref="LastKeptTie"/>. The CPU's <c>MagnitudeCut</c> counts the kept ties per grid chunk
/// instead; both keep the first <see cref="KeepAtThreshold"/> ties in index order, so they keep
/// the same elements, and one index is all an elementwise kernel needs.
/// </summary>
/// <param name="KeepAtThreshold">How many of the equal magnitudes are kept.</param>
/// <param name="AtThreshold">How many elements of the whole tensor equal the threshold (kept or not).</param>
/// <param name="LastKeptTie">The flat index of the last tie kept; <see cref="long.MaxValue"/> when every tie is kept, −1 when none is.</param>
public readonly record struct DeviceMagnitudeCut(uint ThresholdBits, long KeepAtThreshold, long AtThreshold, long LastKeptTie);
