using ModelMerge.Compute;
using ModelMerge.Compute.Cpu;

namespace ModelMerge.Methods;

/// <summary>
/// TIES's trim (merge-semantics §4.2 "magnitude"): keep the k = floor(density·n) largest |τ|
/// of the whole tensor, lower index first among equals; density ≥ 1 keeps everything.
/// </summary>
public static class MagnitudeTrim
{
    public const string DensityTooSmall = "DensityTooSmall";

    /// <summary>k computed in double from the parameter's double value, exactly like Python's floor(d·n).</summary>
    public static long KeepCount(double density, long elements, string tensorName)
    {
        long k = (long)Math.Floor(density * elements);
        if (k <= 0)
            throw new MergeException(DensityTooSmall,
                $"density {density} keeps floor({density}·{elements}) = {k} of {elements} elements; raise the density so at least one survives.", tensorName);
        return Math.Min(k, elements);
    }

    /// <summary>The cut for <paramref name="taskVector"/>, or null when nothing is trimmed.</summary>
    public static MagnitudeCut? FindCut(IChunkSource taskVector, double density, string tensorName, ChunkRunner runner)
    {
        if (density >= 1 || taskVector.Length == 0) return null;
        long k = KeepCount(density, taskVector.Length, tensorName);
        return k == taskVector.Length ? null : MagnitudeSelection.FindTopK(taskVector, k, runner);
    }
}
