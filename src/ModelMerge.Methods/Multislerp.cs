using ModelMerge.Compute;
using ModelMerge.Methods.Framework;

namespace ModelMerge.Methods;

/// <summary>
/// multislerp (merge-semantics §3.4): a weighted spherical mean of N models, on task vectors
/// when there is a base (added back at the end). mergekit's tangent step is identically zero in
/// exact arithmetic, so the spec's closed form is computed instead:
/// out = (Σ w_i‖x_i‖)·normalize(Σ w_i x_i/(‖x_i‖ + eps)). Its direction is a chord mean of the unit
/// vectors, its length the weighted mean length; as coefficients on the raw inputs it needs only
/// their Gram matrix.
/// </summary>
public sealed class Multislerp : ITensorMerge, IGramCombination
{
    /// <summary>MM: mergekit divides by Σw unguarded (inf/NaN); ModelMerge refuses below this.</summary>
    public const double WeightSumFloor = 1e-8;

    public static MergeMethod Method { get; } = new(
        "multislerp", "Multi-SLERP", Reference: null, BaseModelUse.Optional, ModelValues.TaskVectors, MinModels: 1, MaxModels: null,
        [
            MethodParameter.Model("weight", null, "Weight of the model's direction and length in the mean. Negative values are allowed."),
            MethodParameter.Global("normalize_weights", 1, "Divide the weights by their sum.", ParameterKind.Boolean),
            MethodParameter.Global("eps", 1e-8, "Added to each norm before dividing by it, and the smallest norm of the mean direction."),
        ],
        Create);

    private readonly double[] _weights;
    private readonly double _eps;
    private readonly string _tensorName;

    /// <param name="weights">The weights as used: already divided by their sum when normalize_weights is on.</param>
    public Multislerp(double[] weights, double eps, string tensorName)
    {
        _weights = weights;
        _eps = eps;
        _tensorName = tensorName;
    }

    public static ITensorMerge Create(TensorParameters parameters)
    {
        var weights = parameters.PerModel("weight").ToArray();
        double eps = parameters.Number("eps");
        string name = parameters.TensorName;
        if (weights.Any(w => !double.IsFinite(w)))
            throw new MergeException("InvalidWeight", $"multislerp weights must be finite numbers, not ({string.Join(", ", weights)}).", name);
        if (!double.IsFinite(eps) || eps < 0)
            throw new MergeException("InvalidEpsilon", $"multislerp eps must be a finite number ≥ 0, not {eps}.", name);
        // One model is returned as it is (§3.4 step 1), whatever its weight.
        if (weights.Length > 1 && parameters.Flag("normalize_weights"))
        {
            double sum = weights.Sum();
            if (Math.Abs(sum) < WeightSumFloor)
                throw new MergeException("WeightsSumToZero",
                    $"multislerp weights sum to {sum}, so normalize_weights cannot divide by it; change a weight or set normalize_weights to false.", name);
            for (int i = 0; i < weights.Length; i++) weights[i] /= sum;
        }
        return new Multislerp(weights, eps, name);
    }

    public IChunkMerge Prepare(MergeInputs inputs, ChunkRunner runner)
    {
        int n = inputs.ModelCount;
        if (n != _weights.Length) throw new ArgumentException($"tensor '{inputs.TensorName}': {_weights.Length} weights for {n} models.", nameof(inputs));
        // One model needs no Gram matrix.
        var sums = n == 1 ? [] : GramMatrix.UpperTriangleSums(inputs, runner, includeBase: false);
        var (models, baseCoefficient) = Coefficients(n, inputs.HasBase, sums, runner.Cancellation);
        return new FixedCombination(models, baseCoefficient);
    }

    public bool GramIncludesBase => false;

    /// <summary>The models' coefficients from their Gram matrix (closed form: nothing to cancel); the base, on task vectors, is added back with 1.</summary>
    public (double[] Models, double Base) Coefficients(int models, bool hasBase, ReadOnlySpan<double> upperTriangle, CancellationToken cancellation) =>
        (models == 1 ? [1] : Coefficients(GramMatrix.FromUpperTriangle(models, upperTriangle)), hasBase ? 1 : 0);

    /// <summary>The coefficient of each x_i in the result, from the inputs' Gram matrix.</summary>
    private double[] Coefficients(GramMatrix gram)
    {
        int n = _weights.Length;
        var direction = new double[n];
        double length = 0;
        for (int i = 0; i < n; i++)
        {
            double norm = gram.Norm(i);
            // With eps = 0 a zero input has no direction; mergekit's 0/0 would make the whole tensor NaN.
            if (norm + _eps == 0)
                throw new MergeException("UndefinedDirection", $"model {i} is all zeros here and eps is 0, so its direction is undefined.", _tensorName);
            direction[i] = _weights[i] / (norm + _eps);
            length += _weights[i] * norm;
        }
        double meanNorm = gram.NormOf(direction);
        if (meanNorm < _eps)
        {
            // Two opposite directions have no mean direction; mergekit then falls back to their weighted sum.
            if (n == 2) return [.. _weights];
            throw new MergeException("WeightedDirectionsCancel",
                $"the weighted directions of the {n} models cancel (‖Σ w_i u_i‖ = {meanNorm}), so their spherical mean is undefined.", _tensorName);
        }
        var coefficients = new double[n];
        for (int i = 0; i < n; i++) coefficients[i] = length * direction[i] / meanNorm;
        return coefficients;
    }
}
