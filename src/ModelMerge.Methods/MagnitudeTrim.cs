using System.Numerics.Tensors;
using ModelMerge.Compute;
using ModelMerge.Compute.Cpu;

namespace ModelMerge.Methods;

/// <summary>
/// TIES's trim (merge-semantics §4.2 "magnitude"): keep the k = floor(density·n) largest |τ|
/// of the whole tensor, lower index first among equals, then rescale the survivors when
/// asked; density ≥ 1 keeps everything, unscaled.
/// </summary>
public sealed class MagnitudeTrim
{
    public const string DensityTooSmall = "DensityTooSmall";

    private readonly MagnitudeCut _cut;

    private MagnitudeTrim(MagnitudeCut cut) => _cut = cut;

    /// <summary>The rescale factor applied to every survivor.</summary>
    public float Factor { get; private set; } = 1f;

    /// <summary>k computed in double from the parameter's double value, exactly like Python's floor(d·n).</summary>
    public static long KeepCount(double density, long elements, string tensorName)
    {
        long k = (long)Math.Floor(density * elements);
        if (k <= 0)
            throw new MergeException(DensityTooSmall,
                $"density {density} keeps floor({density}·{elements}) = {k} of {elements} elements; raise the density so at least one survives.", tensorName);
        return Math.Min(k, elements);
    }

    /// <summary>The trim for one tensor (two histogram passes over <paramref name="taskVector"/>, one more for L1), or null when nothing is trimmed.</summary>
    public static MagnitudeTrim? Create(IChunkSource taskVector, double density, Rescale rescale, string tensorName, ChunkRunner runner)
    {
        if (density >= 1 || taskVector.Length == 0) return null;
        long k = KeepCount(density, taskVector.Length, tensorName);
        if (k == taskVector.Length) return null;
        var trim = new MagnitudeTrim(MagnitudeSelection.FindTopK(taskVector, k, runner));
        trim.Factor = SurvivorRescale.Factor(rescale, density, taskVector, trim.Mask, runner);
        return trim;
    }

    private void Mask(long chunk, long start, Span<float> values) => _cut.Apply(chunk, values);

    /// <summary>Trims and rescales grid chunk <paramref name="chunk"/> in place.</summary>
    public void Apply(long chunk, Span<float> values)
    {
        _cut.Apply(chunk, values);
        if (Factor != 1f) TensorPrimitives.Multiply(values, Factor, values);
    }
}
