namespace ModelMerge.Compute.Gpu;

/// <summary>
/// The host half of a device reduction: per-(chunk, lane) float64 sums added as the CPU adds
/// them — a chunk's eight lanes in turn from zero (<c>Reductions</c>), then the chunks in grid
/// order from zero (<c>MergeInputs.Sum</c>, <c>SurvivorRescale.L1Factor</c>) — so the total is the
/// CPU's to the bit.
/// </summary>
internal static class LanePartials
{
    /// <summary>Sums per grid chunk: the eight running sums of <c>Reductions</c>, element j of a chunk in sum j mod 8.</summary>
    public const int Lanes = 8;

    /// <param name="sums">Interleaved series: entry (chunk·lanes + lane)·width + series.</param>
    public static double Total(ReadOnlySpan<double> sums, int width, int series)
    {
        long chunks = sums.Length / (Lanes * width);
        double total = 0;
        for (long c = 0; c < chunks; c++)
        {
            double chunk = 0;
            for (int lane = 0; lane < Lanes; lane++) chunk += sums[(int)((c * Lanes + lane) * width + series)];
            total += chunk;
        }
        return total;
    }
}
