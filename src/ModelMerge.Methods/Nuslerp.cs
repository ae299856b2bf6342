using ModelMerge.Compute;
using ModelMerge.Compute.Cpu;
using ModelMerge.Methods.Framework;

namespace ModelMerge.Methods;

/// <summary>How nuslerp cuts a tensor into the vector pairs it interpolates one by one (merge-semantics §3.3 step 4).</summary>
public enum NuslerpVectors
{
    /// <summary>The whole flattened tensor is one vector (nuslerp_flatten, the default).</summary>
    Whole,

    /// <summary>One vector per index of the other axes, running along the last axis: W[i, :] of an [out, in] weight.</summary>
    LastAxis,

    /// <summary>
    /// One vector per index of the other axes, running along the first axis: W[:, j] of an
    /// [out, in] weight. mergekit names this nuslerp_row_wise; it swaps the first and last axes.
    /// </summary>
    FirstAxis,
}

/// <summary>
/// nuslerp (merge-semantics §3.3): slerp of exactly two models at t = w1/(w0 + w1), on their task
/// vectors when there is a base (which is then added back), per whole tensor or per vector along
/// one axis. Its guards differ from slerp's: norms are floored at 1e-7, the cosine is clamped, and
/// only |sin Ω| &lt; 1e-8 — exactly parallel or opposite — falls back to a lerp.
/// </summary>
public sealed class Nuslerp : ITensorMerge
{
    /// <summary>Below this |w0 + w1| the weights say nothing about t; mergekit takes the midpoint.</summary>
    public const double WeightSumFloor = 1e-6;

    public const double NormFloor = 1e-7;

    public const double SineFloor = 1e-8;

    public static MergeMethod Method { get; } = new(
        "nuslerp", "NuSLERP", Reference: null, BaseModelUse.Optional, ModelValues.TaskVectors, MinModels: 2, MaxModels: 2,
        [
            MethodParameter.Model("weight", null, "Relative weight of the model; t = w1/(w0 + w1). Negative values are allowed."),
            MethodParameter.Global("nuslerp_flatten", 1, "Interpolate the whole tensor as one vector.", ParameterKind.Boolean),
            MethodParameter.Global("nuslerp_row_wise", 0,
                "Without flatten: vectors run along the first axis (W[:, j]) instead of the last (W[i, :]).", ParameterKind.Boolean),
        ],
        Create);

    private readonly double _t;
    private readonly NuslerpVectors _vectors;

    public Nuslerp(double t, NuslerpVectors vectors)
    {
        _t = t;
        _vectors = vectors;
    }

    /// <summary>The interpolation factor t = w1/(w0 + w1).</summary>
    public double T => _t;

    public NuslerpVectors Vectors => _vectors;

    public static ITensorMerge Create(TensorParameters parameters)
    {
        var weights = parameters.PerModel("weight");
        if (weights.Length != 2) throw new ArgumentException($"nuslerp takes exactly two models, not {weights.Length}.", nameof(parameters));
        if (!double.IsFinite(weights[0]) || !double.IsFinite(weights[1]))
            throw new MergeException("InvalidWeight", $"nuslerp weights must be finite numbers, not ({weights[0]}, {weights[1]}).", parameters.TensorName);
        var vectors = parameters.Flag("nuslerp_flatten") ? NuslerpVectors.Whole
            : parameters.Flag("nuslerp_row_wise") ? NuslerpVectors.FirstAxis
            : NuslerpVectors.LastAxis;
        return new Nuslerp(InterpolationFactor(weights[0], weights[1]), vectors);
    }

    /// <summary>t = w1/(w0 + w1), so weights (1 − t, t) mean slerp's t; the midpoint when the weights cancel.</summary>
    public static double InterpolationFactor(double first, double second) =>
        Math.Abs(first + second) < WeightSumFloor ? 0.5 : second / (first + second);

    public IChunkMerge Prepare(MergeInputs inputs, ChunkRunner runner)
    {
        if (inputs.ModelCount != 2)
            throw new ArgumentException($"tensor '{inputs.TensorName}': nuslerp takes exactly two models.", nameof(inputs));
        double baseCoefficient = inputs.HasBase ? 1 : 0;
        switch (_vectors)
        {
            case NuslerpVectors.Whole:
            {
                var gram = GramMatrix.Of(inputs, runner, includeBase: false);
                var (first, second) = Coefficients(gram[0, 0], gram[1, 1], gram[0, 1], _t);
                return new FixedCombination([first, second], baseCoefficient);
            }
            case NuslerpVectors.LastAxis:
            {
                var sums = inputs.SumPerRow(runner, 3, (in InputChunk chunk, long _, int offset, int length, Span<double> rowSums) =>
                {
                    var a = chunk.Model(0).Slice(offset, length);
                    var b = chunk.Model(1).Slice(offset, length);
                    rowSums[0] += Reductions.SumOfSquares(a);
                    rowSums[1] += Reductions.SumOfSquares(b);
                    rowSums[2] += Reductions.Dot(a, b);
                });
                return new RowCombination(PairCoefficients(sums, _t), inputs.RowLength, baseCoefficient);
            }
            default:
            {
                long columns = FirstAxisVectorCount(inputs.Shape, inputs.Length);
                var pairs = PairCoefficients(FirstAxisVectors.Sums(inputs, runner, columns), _t);
                var first = new double[columns];
                var second = new double[columns];
                for (long k = 0; k < columns; k++) (first[k], second[k]) = (pairs[2 * k], pairs[2 * k + 1]);
                return new ColumnCombination(first, second, inputs.HasBase);
            }
        }
    }

    /// <summary>The weights of a and b in one pair's result, from ‖a‖², ‖b‖² and a·b.</summary>
    public static (double First, double Second) Coefficients(double firstSquared, double secondSquared, double dot, double t)
    {
        // max(‖a‖, f)·max(‖b‖, f) as one square root of a product: then b = ±a, or any exact
        // power-of-two multiple, gives c = ±1 exactly and takes the lerp, instead of missing it
        // by one rounding and dividing by a sin Ω of 1e-8.
        const double floorSquared = NormFloor * NormFloor;
        double denominator = Math.Sqrt(Math.Max(firstSquared, floorSquared) * Math.Max(secondSquared, floorSquared));
        double omega = Math.Acos(Math.Clamp(dot / denominator, -1, 1));
        if (Math.Abs(Math.Sin(omega)) < SineFloor) return (1 - t, t);
        return Slerp.ArcCoefficients(omega, t);
    }

    /// <summary>
    /// How many vectors run along the first axis: one per index of the other axes, so element p
    /// belongs to vector p mod (numel / shape[0]). A 1-D tensor (or a scalar) is one vector.
    /// </summary>
    public static long FirstAxisVectorCount(long[] shape, long length) =>
        shape.Length < 2 || shape[0] == 0 ? 1 : length / shape[0];

    /// <summary>(a, b) coefficients of every pair, interleaved, from its (‖a‖², ‖b‖², a·b) triple.</summary>
    private static double[] PairCoefficients(double[] sums, double t)
    {
        var pairs = new double[sums.Length / 3 * 2];
        for (int k = 0; k < sums.Length / 3; k++)
            (pairs[2 * k], pairs[2 * k + 1]) = Coefficients(sums[3 * k], sums[3 * k + 1], sums[3 * k + 2], t);
        return pairs;
    }

    /// <summary>Each row (last-axis vector) combined with its own pair of coefficients.</summary>
    private sealed class RowCombination(double[] pairs, long rowLength, double baseCoefficient) : IChunkMerge
    {
        public void Merge(in InputChunk inputs, Span<float> output)
        {
            for (int offset = 0; offset < inputs.Count;)
            {
                long position = inputs.Start + offset, row = position / rowLength;
                int length = (int)Math.Min(inputs.Count - offset, (row + 1) * rowLength - position);
                LinearCombination.Combine(inputs, pairs.AsSpan((int)(2 * row), 2), baseCoefficient, offset, output.Slice(offset, length));
                offset += length;
            }
        }
    }

    /// <summary>Element p combined with the coefficients of first-axis vector p mod columns.</summary>
    private sealed class ColumnCombination(double[] first, double[] second, bool addBase) : IChunkMerge
    {
        public void Merge(in InputChunk inputs, Span<float> output)
        {
            long columns = first.Length;
            for (int offset = 0; offset < inputs.Count;)
            {
                int column = (int)((inputs.Start + offset) % columns);
                int length = (int)Math.Min(inputs.Count - offset, columns - column);
                LinearCombination.Combine(inputs, first.AsSpan(column, length), second.AsSpan(column, length), addBase, offset, output.Slice(offset, length));
                offset += length;
            }
        }
    }
}
