using ModelMerge.Compute;
using ModelMerge.Methods.Framework;

namespace ModelMerge.Methods;

/// <summary>
/// karcher (merge-semantics §3.5): the Riemannian mean of the inputs' directions on the unit
/// sphere, scaled by their mean norm; every input weighs the same, the base included when the
/// merge has one. The iterate u always lies in the span of the unit inputs u_i, so it is kept as
/// coefficients over them: one reduction pass gives the Gram matrix, the whole fixed-point
/// iteration is N×N float64 algebra, and the output pass is out = Σ γ_i θ_i. No tensor is ever
/// materialised.
/// </summary>
public sealed class Karcher : ITensorMerge, IGramCombination
{
    /// <summary>MM: mergekit lets φ/sin φ blow up for an input opposite the mean; ModelMerge refuses beyond π minus this.</summary>
    public const double AntipodalMargin = 1e-6;

    /// <summary>
    /// MM: the most max_iter may be, on every route. Each iteration costs a few N×N products, so
    /// this bounds one tensor to well under a second; mergekit has no limit, and 2³¹ iterations
    /// with tol 0 ran for hours.
    /// </summary>
    public const int IterationLimit = 100_000;

    /// <summary>max_iter, with <see cref="IterationLimit"/>.</summary>
    public static MethodParameter MaxIterations { get; } =
        MethodParameter.Global("max_iter", 10, $"Most fixed-point iterations on the sphere (0 to {IterationLimit}).", ParameterKind.Integer)
            with { Range = new(0, IterationLimit, InvalidIterationCount) };

    /// <summary>The error id of a max_iter outside 0..<see cref="IterationLimit"/>.</summary>
    public const string InvalidIterationCount = "InvalidIterationCount";

    public static MergeMethod Method { get; } = new(
        "karcher", "Karcher Mean", Reference: null, BaseModelUse.Input, ModelValues.Checkpoints, MinModels: 1, MaxModels: null,
        [
            MaxIterations,
            MethodParameter.Global("tol", 1e-5, "Stop once the tangent step is shorter than this; inputs with a norm at most this are left out of the direction."),
        ],
        Create);

    private readonly int _maxIterations;
    private readonly double _tolerance;
    private readonly string _tensorName;

    public Karcher(int maxIterations, double tolerance, string tensorName)
    {
        _maxIterations = maxIterations;
        _tolerance = tolerance;
        _tensorName = tensorName;
    }

    public static ITensorMerge Create(TensorParameters parameters)
    {
        double maxIterations = parameters.Number("max_iter"), tolerance = parameters.Number("tol");
        string name = parameters.TensorName;
        if (!MaxIterations.Range!.Contains(maxIterations) || maxIterations != Math.Floor(maxIterations))
            throw new MergeException(InvalidIterationCount, $"karcher max_iter must be a whole number from 0 to {IterationLimit}, not {maxIterations}.", name);
        if (!double.IsFinite(tolerance) || tolerance < 0)
            throw new MergeException("InvalidTolerance", $"karcher tol must be a finite number ≥ 0, not {tolerance}.", name);
        return new Karcher((int)maxIterations, tolerance, name);
    }

    public IChunkMerge Prepare(MergeInputs inputs, ChunkRunner runner)
    {
        var (models, baseCoefficient) = Coefficients(inputs.ModelCount, inputs.HasBase, GramMatrix.UpperTriangleSums(inputs, runner, includeBase: true),
            runner.Cancellation);
        return new FixedCombination(models, baseCoefficient);
    }

    /// <summary>The base, when the merge has one, is the last input (§1.4 appends it).</summary>
    public bool GramIncludesBase => true;

    public (double[] Models, double Base) Coefficients(int models, bool hasBase, ReadOnlySpan<double> upperTriangle, CancellationToken cancellation)
    {
        var coefficients = Coefficients(GramMatrix.FromUpperTriangle(models + (hasBase ? 1 : 0), upperTriangle), cancellation);
        return (coefficients[..models], hasBase ? coefficients[^1] : 0);
    }

    /// <summary>γ_i with out = Σ γ_i θ_i, from the inputs' Gram matrix.</summary>
    private double[] Coefficients(GramMatrix gram, CancellationToken cancellation)
    {
        int n = gram.Size;
        var coefficients = new double[n];
        if (n == 1)
        {
            coefficients[0] = 1;
            return coefficients;
        }
        double scale = 0;
        var valid = new List<int>();
        for (int i = 0; i < n; i++)
        {
            scale += gram.Norm(i) / n;
            if (gram.Norm(i) > _tolerance) valid.Add(i);
        }
        // No input has a direction: the mean is the zero tensor.
        if (valid.Count == 0) return coefficients;
        var mean = MeanDirection(gram.Directions(valid), cancellation);
        for (int k = 0; k < valid.Count; k++) coefficients[valid[k]] = scale * mean[k] / gram.Norm(valid[k]);
        return coefficients;
    }

    /// <summary>
    /// §3.5 steps 4–6 on the cosines H of the valid inputs' directions: the mean u = Σ β_k u_k
    /// as its coefficients β, with u·u_k = (Hβ)_k and ‖Σ c_k u_k‖² = cᵀHc.
    /// </summary>
    private double[] MeanDirection(GramMatrix cosines, CancellationToken cancellation)
    {
        int m = cosines.Size;
        double weight = 1.0 / m;
        var mean = new double[m];
        Array.Fill(mean, weight);
        double norm = cosines.NormOf(mean);
        if (norm < _tolerance)
        {
            Array.Clear(mean);
            mean[0] = 1;
        }
        else Scale(mean, 1 / norm);

        var cosine = new double[m];
        var tangent = new double[m];
        for (int iteration = 0; iteration < _maxIterations; iteration++)
        {
            cancellation.ThrowIfCancellationRequested();
            for (int k = 0; k < m; k++)
            {
                double dot = 0;
                for (int i = 0; i < m; i++) dot += mean[i] * cosines[i, k];
                cosine[k] = Math.Clamp(dot, -1, 1);
            }
            // T = Σ_k w·(φ_k/sin φ_k)·(u_k − c_k·u), accumulated as coefficients over the u_k.
            Array.Clear(tangent);
            for (int k = 0; k < m; k++)
            {
                double angle = Math.Acos(cosine[k]);
                if (angle > Math.PI - AntipodalMargin)
                    throw new MergeException("AntipodalInputs",
                        $"an input points opposite to the running Karcher mean (angle {angle} rad), where the mean on the sphere is undefined.", _tensorName);
                // An aligned input pulls nothing; skipping φ = 0 also spares 0/0 when tol is 0.
                if (angle < _tolerance || angle == 0) continue;
                double pull = weight * angle / Math.Sin(angle);
                tangent[k] += pull;
                for (int i = 0; i < m; i++) tangent[i] -= pull * cosine[k] * mean[i];
            }
            double step = cosines.NormOf(tangent);
            if (step < _tolerance || step == 0) break;
            double along = Math.Cos(step), across = Math.Sin(step) / step;
            for (int i = 0; i < m; i++) mean[i] = along * mean[i] + across * tangent[i];
            norm = cosines.NormOf(mean);
            if (norm > _tolerance) Scale(mean, 1 / norm);
        }
        return mean;
    }

    private static void Scale(double[] values, double factor)
    {
        for (int i = 0; i < values.Length; i++) values[i] *= factor;
    }
}
