using System.Buffers;
using ModelMerge.Compute;
using ModelMerge.Compute.Cpu;

namespace ModelMerge.Methods;

/// <summary>
/// DARE's drop (merge-semantics §4.2 "random"): keep each element with probability = density,
/// drawn from <see cref="CounterRandom"/> keyed by (seed, tensor, model index, element), then
/// rescale the survivors. Density ≥ 1 returns τ unchanged and unscaled.
/// </summary>
public sealed class RandomDrop
{
    private readonly ulong _key;
    private readonly ulong _keepLimit;

    private RandomDrop(ulong key, ulong keepLimit, float factor)
    {
        _key = key;
        _keepLimit = keepLimit;
        Factor = factor;
    }

    /// <summary>The rescale factor applied to every survivor.</summary>
    public float Factor { get; }

    /// <summary>Builds the drop for one tensor; the L1 rule needs one reduction pass over <paramref name="taskVector"/>.</summary>
    public static RandomDrop? Create(IChunkSource taskVector, double density, ulong seed, string tensorName, int modelIndex, Rescale rescale, ChunkRunner runner)
    {
        if (density >= 1) return null;
        if (density < 0) throw new MergeException("DensityOutOfRange", $"density {density} is negative.", tensorName);
        ulong key = CounterRandom.Key(seed, tensorName, modelIndex);
        ulong limit = CounterRandom.KeepLimit(density);
        float factor = rescale switch
        {
            Rescale.None => 1f,
            Rescale.Inverse => density > 0 ? (float)(1.0 / density) : 1f,
            Rescale.L1 => L1Factor(taskVector, key, limit, runner),
            _ => throw new ArgumentOutOfRangeException(nameof(rescale)),
        };
        return new RandomDrop(key, limit, factor);
    }

    /// <summary>a/b with a = Σ|τ|, b = Σ|τ·mask|; left at 1 when either is below 1e-7 (mergekit's guard).</summary>
    private static float L1Factor(IChunkSource taskVector, ulong key, ulong limit, ChunkRunner runner)
    {
        var partials = new double[ChunkGrid.ChunkCount(taskVector.Length) * 2];
        runner.Reduce<object>(taskVector, () => new object(), (_, chunk, values) =>
        {
            partials[2 * chunk] = Reductions.SumOfMagnitudes(values);
            var kept = ArrayPool<float>.Shared.Rent(values.Length);
            try
            {
                var span = kept.AsSpan(0, values.Length);
                values.CopyTo(span);
                CounterRandom.ApplyMask(key, chunk * ChunkGrid.ChunkElements, limit, span);
                partials[2 * chunk + 1] = Reductions.SumOfMagnitudes(span);
            }
            finally { ArrayPool<float>.Shared.Return(kept); }
        }, (_, _) => { });
        double before = 0, after = 0;
        for (int c = 0; c < partials.Length; c += 2)
        {
            before += partials[c];
            after += partials[c + 1];
        }
        return before < 1e-7 || after < 1e-7 ? 1f : (float)(before / after);
    }

    /// <summary>Drops and rescales elements [start, start + values.Length) in place.</summary>
    public void Apply(long start, Span<float> values)
    {
        CounterRandom.ApplyMask(_key, start, _keepLimit, values);
        if (Factor != 1f) System.Numerics.Tensors.TensorPrimitives.Multiply(values, Factor, values);
    }
}
