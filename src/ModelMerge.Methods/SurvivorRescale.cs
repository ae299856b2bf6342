using System.Buffers;
using ModelMerge.Compute;
using ModelMerge.Compute.Cpu;

namespace ModelMerge.Methods;

/// <summary>Zeroes the dropped elements of grid chunk <c>chunk</c> (starting at element <c>start</c>) in place.</summary>
public delegate void ChunkMask(long chunk, long start, Span<float> values);

/// <summary>The factor a sparsifier multiplies its survivors by (merge-semantics §4.2 "rescale").</summary>
public static class SurvivorRescale
{
    /// <summary>
    /// mergekit's L1 rule: a/b with a = Σ|τ|, b = Σ|τ·mask|, both in float64 over fixed grid
    /// chunks; 1 when either is below 1e-7 (its guard against dividing by nothing).
    /// </summary>
    public static float L1Factor(IChunkSource taskVector, ChunkMask mask, ChunkRunner runner)
    {
        var partials = new double[ChunkGrid.ChunkCount(taskVector.Length) * 2];
        runner.ForEachChunk(taskVector, (chunk, values) =>
        {
            partials[2 * chunk] = Reductions.SumOfMagnitudes(values);
            var kept = ArrayPool<float>.Shared.Rent(values.Length);
            try
            {
                var span = kept.AsSpan(0, values.Length);
                values.CopyTo(span);
                mask(chunk, chunk * ChunkGrid.ChunkElements, span);
                partials[2 * chunk + 1] = Reductions.SumOfMagnitudes(span);
            }
            finally { ArrayPool<float>.Shared.Return(kept); }
        });
        double before = 0, after = 0;
        for (int c = 0; c < partials.Length; c += 2)
        {
            before += partials[c];
            after += partials[c + 1];
        }
        return Reductions.L1RescaleRatio(before, after);
    }

    public static float Factor(Rescale rescale, double density, IChunkSource taskVector, ChunkMask mask, ChunkRunner runner) =>
        rescale == Rescale.L1 ? L1Factor(taskVector, mask, runner) : Fixed(rescale, density);

    /// <summary>The factor of a rule that needs no pass over the tensor: 1 for none, 1/density (rounded to float32) for inverse.</summary>
    public static float Fixed(Rescale rescale, double density) => rescale switch
    {
        Rescale.None => 1f,
        Rescale.Inverse => density > 0 ? (float)(1.0 / density) : 1f,
        _ => throw new ArgumentOutOfRangeException(nameof(rescale), rescale, "the L1 rule sums the tensor: see L1Factor."),
    };
}
