using ModelMerge.Compute;
using ModelMerge.Methods.Framework;

namespace ModelMerge.Methods;

/// <summary>
/// slerp (merge-semantics §3.2): spherical interpolation from the base v0 (t = 0) to the one other
/// model v1 (t = 1). The angle comes from the directions, but the arc weights are applied to the
/// raw tensors, so the norm is interpolated only when both norms are equal. mergekit's guards are
/// kept: a norm of at most 1e-8 is used unnormalized, the cosine is not clamped, and
/// |cos Ω| > 0.9995 — nearly parallel or nearly opposite — falls back to a plain lerp.
/// </summary>
public sealed class Slerp : ITensorMerge
{
    /// <summary>Below this a norm is not divided by: mergekit leaves a (near) zero tensor as it is, so it enters the cosine as 0.</summary>
    public const double NormFloor = 1e-8;

    /// <summary>mergekit's DOT_THRESHOLD: beyond it the arc is too flat (or too close to π) for sin Ω to divide by.</summary>
    public const double ParallelThreshold = 0.9995;

    public static MergeMethod Method { get; } = new(
        "slerp", "SLERP", Reference: null, BaseModelUse.Required, ModelValues.Checkpoints, MinModels: 1, MaxModels: 1,
        [MethodParameter.Global("t", null, "Position on the arc from the base (0) to the other model (1); values outside [0, 1] extrapolate.")],
        Create);

    private readonly double _t;

    public Slerp(double t) => _t = t;

    /// <summary>The position on the arc, from the base (0) to the other model (1).</summary>
    public double T => _t;

    public static ITensorMerge Create(TensorParameters parameters)
    {
        double t = parameters.Number("t");
        if (!double.IsFinite(t)) throw new MergeException("InvalidInterpolationFactor", $"slerp t must be a finite number, not {t}.", parameters.TensorName);
        return new Slerp(t);
    }

    public IChunkMerge Prepare(MergeInputs inputs, ChunkRunner runner)
    {
        if (!inputs.HasBase || inputs.ModelCount != 1)
            throw new ArgumentException($"tensor '{inputs.TensorName}': slerp takes the base and exactly one model.", nameof(inputs));
        // Inputs in Gram order: the model (v1) first, the base (v0) after it.
        var gram = GramMatrix.Of(inputs, runner, includeBase: true);
        var (start, end) = Coefficients(gram[1, 1], gram[0, 0], gram[0, 1], _t);
        return new FixedCombination([end], baseCoefficient: start);
    }

    /// <summary>The weights of v0 and v1 in the result, from ‖v0‖², ‖v1‖² and v0·v1.</summary>
    public static (double Start, double End) Coefficients(double startSquared, double endSquared, double dot, double t)
    {
        double startNorm = Math.Sqrt(startSquared), endNorm = Math.Sqrt(endSquared);
        double cosine = dot / ((startNorm > NormFloor ? startNorm : 1) * (endNorm > NormFloor ? endNorm : 1));
        if (Math.Abs(cosine) > ParallelThreshold) return (1 - t, t);
        return ArcCoefficients(Math.Acos(cosine), t);
    }

    /// <summary>
    /// sin((1 − t)Ω)/sin Ω and sin(tΩ)/sin Ω: the endpoints' weights at t along an arc of angle Ω.
    /// At t = 0 and t = 1 they are exactly (1, 0) and (0, 1), so the endpoints come back unchanged.
    /// </summary>
    internal static (double Start, double End) ArcCoefficients(double omega, double t)
    {
        double sine = Math.Sin(omega);
        return (Math.Sin((1 - t) * omega) / sine, Math.Sin(t * omega) / sine);
    }
}
