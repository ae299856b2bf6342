using System.Numerics.Tensors;
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
        drop.Factor = SurvivorRescale.Factor(rescale, density, taskVector, drop.Mask, runner);
        return drop;
    }

    private void Mask(long chunk, long start, Span<float> values) => CounterRandom.ApplyMask(_key, start, _keepLimit, values);

    /// <summary>Drops and rescales elements [start, start + values.Length) in place.</summary>
    public void Apply(long start, Span<float> values)
    {
        CounterRandom.ApplyMask(_key, start, _keepLimit, values);
        if (Factor != 1f) TensorPrimitives.Multiply(values, Factor, values);
    }
}
