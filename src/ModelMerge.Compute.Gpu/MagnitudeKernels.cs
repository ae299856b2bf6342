using ILGPU;

namespace ModelMerge.Compute.Gpu;

/// <summary>
/// The device half of a top-k by magnitude (<see cref="DeviceTopK"/> is the host half): histograms
/// of |x|'s float bits, the count of ties per segment, and the cut itself. The sign bit is
/// cleared and nothing else, so NaN ranks above ∞ and −0 equals 0, exactly as on the CPU.
/// </summary>
internal static class MagnitudeKernels
{
    /// <summary>Elements per tie-count segment: few enough counters to read back, a segment small enough to read back whole.</summary>
    public const int TieSegment = 4096;

    public static void HighHistogram(Index1D i, ArrayView<float> values, ArrayView<long> histogram)
    {
        uint magnitude = Interop.FloatAsInt(values[i]) & 0x7FFF_FFFFu;
        Atomic.Add(ref histogram[(int)(magnitude >> 16)], 1L);
    }

    public static void LowHistogram(Index1D i, ArrayView<float> values, uint highBucket, ArrayView<long> histogram)
    {
        uint magnitude = Interop.FloatAsInt(values[i]) & 0x7FFF_FFFFu;
        if (magnitude >> 16 == highBucket) Atomic.Add(ref histogram[(int)(magnitude & 0xFFFFu)], 1L);
    }

    public static void CountTies(Index1D i, ArrayView<float> values, uint threshold, ArrayView<int> perSegment)
    {
        if ((Interop.FloatAsInt(values[i]) & 0x7FFF_FFFFu) == threshold) Atomic.Add(ref perSegment[i / TieSegment], 1);
    }

    /// <summary>A dropped element becomes +0 whatever its sign, as the CPU's mask writes it; a kept one keeps its bits.</summary>
    public static void ApplyCut(Index1D i, ArrayView<float> values, uint threshold, long lastKeptTie, ArrayView<float> trimmed)
    {
        uint bits = Interop.FloatAsInt(values[i]);
        uint magnitude = bits & 0x7FFF_FFFFu;
        bool keep = magnitude > threshold || (magnitude == threshold && i <= lastKeptTie);
        trimmed[i] = Interop.IntAsFloat(keep ? bits : 0u);
    }

    /// <summary>
    /// Breadcrumbs' band: kept when at or above the lower boundary and below the upper one, the
    /// ties at each boundary split by their flat index (relative to this piece); dropped as +0.
    /// </summary>
    public static void ApplyBand(Index1D i, ArrayView<float> values, uint lowerThreshold, long lowerLastTieBelow, uint upperThreshold,
        long upperLastTieBelow, ArrayView<float> trimmed)
    {
        uint bits = Interop.FloatAsInt(values[i]);
        uint magnitude = bits & 0x7FFF_FFFFu;
        bool atOrAboveLower = magnitude > lowerThreshold || (magnitude == lowerThreshold && i > lowerLastTieBelow);
        bool belowUpper = magnitude < upperThreshold || (magnitude == upperThreshold && i <= upperLastTieBelow);
        trimmed[i] = Interop.IntAsFloat(atOrAboveLower && belowUpper ? bits : 0u);
    }
}
