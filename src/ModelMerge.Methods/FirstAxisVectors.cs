using ModelMerge.Compute;
using ModelMerge.Methods.Framework;

namespace ModelMerge.Methods;

/// <summary>
/// Whole-vector sums for vectors that run along a tensor's first axis (nuslerp_row_wise,
/// merge-semantics §3.3): element p belongs to vector p mod V. Such a vector is strided, so it
/// cannot go through <see cref="MergeInputs.SumPerRow"/>; its sums are accumulated in float64
/// element by element in index order within a grid chunk, and the chunks' partials are added in
/// grid order — the same bits on any thread count.
/// </summary>
internal static class FirstAxisVectors
{
    /// <summary>
    /// Chunks summed at once before their partials are folded in. Fixed, not the thread count, so
    /// the grouping never changes the bits; it bounds memory to a few chunks' partials however
    /// many chunks the tensor has.
    /// </summary>
    private const int ChunksPerWave = 16;

    /// <summary>(‖a‖², ‖b‖², a·b) of the two models' parts in each of the <paramref name="vectors"/> vectors, as triples.</summary>
    public static double[] Sums(MergeInputs inputs, ChunkRunner runner, long vectors)
    {
        var totals = new double[vectors * 3];
        long chunks = ChunkGrid.ChunkCount(inputs.Length);
        var partials = new double[Math.Min(ChunksPerWave, chunks)][];
        for (int k = 0; k < partials.Length; k++) partials[k] = new double[Math.Min(vectors, ChunkGrid.ChunkElements) * 3];
        for (long first = 0; first < chunks; first += ChunksPerWave)
        {
            long wave = Math.Min(ChunksPerWave, chunks - first);
            runner.ForEachChunk(inputs.Length, first, wave, (chunk, _, _) =>
                inputs.ReadChunk(chunk, (in InputChunk c) => ChunkSums(c, vectors, partials[chunk - first])));
            for (long k = 0; k < wave; k++)
            {
                // A chunk touches min(V, count) consecutive vectors, wrapping at V, starting at Start mod V.
                var local = partials[k];
                var (start, count) = ChunkGrid.Chunk(inputs.Length, first + k);
                long firstVector = start % vectors;
                for (int v = 0; v < Math.Min(vectors, count); v++)
                {
                    long target = (firstVector + v) % vectors * 3;
                    totals[target] += local[3 * v];
                    totals[target + 1] += local[3 * v + 1];
                    totals[target + 2] += local[3 * v + 2];
                }
            }
        }
        return totals;
    }

    /// <summary>One chunk's partial sums into <paramref name="local"/>, indexed from the vector of the chunk's first element.</summary>
    private static void ChunkSums(in InputChunk chunk, long vectors, double[] local)
    {
        int touched = (int)Math.Min(vectors, chunk.Count);
        Array.Clear(local);
        var a = chunk.Model(0);
        var b = chunk.Model(1);
        for (int j = 0, v = 0; j < chunk.Count; j++)
        {
            double x = a[j], y = b[j];
            local[3 * v] += x * x;
            local[3 * v + 1] += y * y;
            local[3 * v + 2] += x * y;
            if (++v == touched) v = 0;
        }
    }
}
