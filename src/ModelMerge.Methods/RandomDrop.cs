using System.Numerics.Tensors;
using ModelMerge.Compute;
using ModelMerge.Compute.Cpu;

namespace ModelMerge.Methods;

/// <summary>
/// DARE's drop (merge-semantics §4.2 "random"): keep each element with probability = density,
/// drawn from <see cref="CounterRandom"/> keyed by (seed, tensor, model index, element), then
/// rescale the survivors. Density ≥ 1 returns τ unchanged and unscaled.
/// </summary>
public sealed class RandomDrop : IDisposable
{
    private readonly ulong _key;
    private readonly ulong _keepLimit;

    /// <summary>
    /// The keep bits, recorded while the L1 rule's pass draws them, so the pass that reads the
    /// survivors applies bits instead of drawing every element again; null without that pass.
    /// </summary>
    private ElementMask? _drawn;

    private RandomDrop(ulong key, ulong keepLimit)
    {
        _key = key;
        _keepLimit = keepLimit;
    }

    /// <summary>The rescale factor applied to every survivor.</summary>
    public float Factor { get; private set; } = 1f;

    /// <summary>Builds the drop for one tensor; the L1 rule needs one reduction pass over <paramref name="taskVector"/>.</summary>
    public static RandomDrop? Create(IChunkSource taskVector, double density, ulong seed, string tensorName, int modelIndex, Rescale rescale, ChunkRunner runner)
    {
        if (density >= 1) return null;
        if (!(density >= 0)) throw new MergeException("DensityOutOfRange", $"density {density} is not in [0, 1].", tensorName);
        var drop = new RandomDrop(CounterRandom.Key(seed, tensorName, modelIndex), CounterRandom.KeepLimit(density));
        if (rescale == Rescale.L1 && drop._keepLimit < 1UL << 32) drop._drawn = new ElementMask(taskVector.Length);
        drop.Factor = SurvivorRescale.Factor(rescale, density, taskVector, drop.DrawAndRecord, runner);
        return drop;
    }

    /// <summary>The rescale pass's mask: draws the chunk's bits, keeps them, applies them.</summary>
    private void DrawAndRecord(long chunk, long start, Span<float> values)
    {
        if (_drawn is null)
        {
            CounterRandom.ApplyMask(_key, start, _keepLimit, values);
            return;
        }
        // A grid chunk starts on a word boundary (its 65,536 elements are 1,024 words).
        Span<ulong> words = stackalloc ulong[(values.Length + 63) / 64];
        CounterRandom.KeepWords(_key, start, _keepLimit, values.Length, words);
        _drawn.Merge(start, start + values.Length, words);
        _drawn.Apply(start, values);
    }

    /// <summary>Drops and rescales elements [start, start + values.Length) in place.</summary>
    public void Apply(long start, Span<float> values)
    {
        if (_drawn is null) CounterRandom.ApplyMask(_key, start, _keepLimit, values);
        else _drawn.Apply(start, values);
        if (Factor != 1f) TensorPrimitives.Multiply(values, Factor, values);
    }

    /// <summary>Returns the recorded keep bits to their pool.</summary>
    public void Dispose() => _drawn?.Dispose();
}
