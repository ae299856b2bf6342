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
        var total = new ChunkOrderSum();
        total.Add(sums, width, series);
        return total.Value;
    }
}

/// <summary>
/// A float64 total over a tensor's grid chunks, added in grid order, that pieces of the tensor
/// (each a whole number of chunks, in order) can feed one after another: the total is the bits
/// of <see cref="LanePartials.Total"/> over the whole tensor.
/// </summary>
public sealed class ChunkOrderSum
{
    public double Value { get; private set; }

    /// <param name="sums">One piece's per-(chunk, lane) sums, series interleaved as in <see cref="LanePartials.Total"/>.</param>
    internal void Add(ReadOnlySpan<double> sums, int width, int series)
    {
        long chunks = sums.Length / (LanePartials.Lanes * width);
        double total = Value;
        for (long c = 0; c < chunks; c++)
        {
            double chunk = 0;
            for (int lane = 0; lane < LanePartials.Lanes; lane++) chunk += sums[(int)((c * LanePartials.Lanes + lane) * width + series)];
            total += chunk;
        }
        Value = total;
    }
}
