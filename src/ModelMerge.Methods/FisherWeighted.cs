using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using ModelMerge.Compute;
using ModelMerge.Methods.Framework;

namespace ModelMerge.Methods;

/// <summary>
/// Fisher-weighted averaging (merge-semantics §10.2, Matena and Raffel): each element is the
/// models' average weighted by λ_i·F_i,j, so a model has the most say over the parameters its
/// loss is most curved in:
/// θ*_j = Σ_i λ_i(F_i,j + ε)·θ_i,j / Σ_i λ_i(F_i,j + ε), and where that denominator is 0 (ε = 0
/// and no weighted model has Fisher there) the plain weighted average Σ_i λ_i·θ_i,j / Σ_i λ_i.
/// The element math runs in float64 and is rounded to float32 once.
/// </summary>
/// <remarks>
/// <para>Inputs: the merge's 2K models are the K models' values, then their K Fishers in the same
/// order, [θ_1 … θ_K, F_1 … F_K]; there is no base. ModelMerge cannot compute gradients, so each
/// F_i is a checkpoint made elsewhere. The method is not in <see cref="MergeMethods"/>: a mergekit
/// recipe has no way to name the Fisher inputs, so only the plan layer's FisherMerge builds it.</para>
/// <para>A diagonal Fisher is a mean of squared gradients. A negative, NaN or infinite value means
/// the input is not one, and the merge stops naming the tensor, the model and the element rather
/// than weigh by it; the check rides on the element pass (two compares per vector), not a pass of
/// its own. Weights must be finite and ≥ 0: with mixed signs Σ λ_i·F_i,j can pass through zero at
/// some elements, where the quotient is unbounded, while with λ ≥ 0 every result is a convex
/// combination of the models' values.</para>
/// </remarks>
public sealed class FisherWeighted : ITensorMerge
{
    public const double DefaultEpsilon = 1e-8;

    /// <summary>As linear (§3.1 MM): the fallback refuses to divide by a weight sum below this.</summary>
    public const double WeightSumFloor = 1e-8;

    public const string InvalidFisher = "InvalidFisher";
    public const string InvalidWeight = "InvalidWeight";
    public const string InvalidEpsilon = "InvalidEpsilon";
    public const string WeightsSumToZero = "WeightsSumToZero";

    /// <summary>The parameters it reads, resolved per tensor like a registered method's (§1.3).</summary>
    public static MergeMethod Method { get; } = new("fisher", "Fisher-weighted", "https://arxiv.org/abs/2111.09832", BaseModelUse.None,
        ModelValues.Checkpoints, MinModels: 1, MaxModels: null,
        [
            MethodParameter.Model("weight", 1, "λ_i: multiplies the model's Fisher in the average; finite and ≥ 0."),
            MethodParameter.Global("epsilon", DefaultEpsilon, "ε: added to every Fisher value, so no model's weight is exactly 0."),
        ],
        p => Create(p));

    private readonly double[] _weights;
    private readonly double _epsilon;
    private readonly IReadOnlyList<string>? _fisherNames;

    private FisherWeighted(double[] weights, double epsilon, IReadOnlyList<string>? fisherNames)
    {
        _weights = weights;
        _epsilon = epsilon;
        _fisherNames = fisherNames;
    }

    /// <param name="fisherNames">How errors name each model's Fisher input ("'f1', the Fisher of 'ft1'"); by position when null.</param>
    public static FisherWeighted Create(TensorParameters parameters, IReadOnlyList<string>? fisherNames = null)
    {
        var weights = parameters.PerModel("weight").ToArray();
        double epsilon = parameters.Number("epsilon");
        string name = parameters.TensorName;
        if (weights.Any(w => !double.IsFinite(w) || w < 0))
            throw new MergeException(InvalidWeight,
                $"Fisher weights must be finite and ≥ 0, not ({Format(weights)}): with mixed signs Σλ·F can pass through 0, where the average is unbounded.", name);
        if (!double.IsFinite(epsilon) || epsilon < 0)
            throw new MergeException(InvalidEpsilon, $"the Fisher floor epsilon must be a finite number ≥ 0, not {Format([epsilon])}.", name);
        if (weights.All(w => w == 0))
            throw new MergeException(WeightsSumToZero,
                "every weight is 0, so neither the Fisher-weighted average nor its plain fallback is defined; give some model a positive weight.", name);
        return new FisherWeighted(weights, epsilon, fisherNames);
    }

    public IChunkMerge Prepare(MergeInputs inputs, ChunkRunner runner)
    {
        if (inputs.HasBase || inputs.ModelCount != 2 * _weights.Length)
            throw new ArgumentException(
                $"tensor '{inputs.TensorName}': a Fisher merge of {_weights.Length} models takes their values and their Fishers (2·{_weights.Length} inputs) and no base.",
                nameof(inputs));
        return new ElementPass(this, inputs.TensorName, _weights.Sum());
    }

    private static string Format(double[] values) => string.Join(", ", values.Select(v => v.ToString("G", CultureInfo.InvariantCulture)));

    /// <summary>The per-chunk combine; immutable, so one prepared tensor can be read on several threads.</summary>
    private sealed class ElementPass(FisherWeighted method, string tensorName, double weightSum) : IChunkMerge
    {
        private readonly double[] _weights = method._weights;
        private readonly double _epsilon = method._epsilon;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Merge(in InputChunk inputs, Span<float> output)
        {
            int k = _weights.Length, n = output.Length, stride = inputs.Count;
            if (n > stride) throw new ArgumentException("the output must lie inside the chunk.", nameof(output));
            ref float x = ref MemoryMarshal.GetReference(inputs.Models);
            ref float o = ref MemoryMarshal.GetReference(output);
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                var epsilon = Vector256.Create(_epsilon);
                var largest = Vector256.Create(float.MaxValue);
                for (; j <= n - Vector256<float>.Count; j += Vector256<float>.Count)
                {
                    var numeratorLower = Vector256<double>.Zero;
                    var numeratorUpper = Vector256<double>.Zero;
                    var denominatorLower = Vector256<double>.Zero;
                    var denominatorUpper = Vector256<double>.Zero;
                    var valid = Vector256<float>.AllBitsSet;
                    for (int i = 0; i < k; i++)
                    {
                        var fisher = Vector256.LoadUnsafe(ref x, (nuint)((k + i) * stride + j));
                        // NaN fails both compares, so it is caught with the negatives and infinities.
                        valid &= Vector256.GreaterThanOrEqual(fisher, Vector256<float>.Zero) & Vector256.LessThanOrEqual(fisher, largest);
                        var (fisherLower, fisherUpper) = Vector256.Widen(fisher);
                        var (thetaLower, thetaUpper) = Vector256.Widen(Vector256.LoadUnsafe(ref x, (nuint)(i * stride + j)));
                        var weightLower = (fisherLower + epsilon) * _weights[i];
                        var weightUpper = (fisherUpper + epsilon) * _weights[i];
                        denominatorLower += weightLower;
                        denominatorUpper += weightUpper;
                        numeratorLower += weightLower * thetaLower;
                        numeratorUpper += weightUpper * thetaUpper;
                    }
                    // Rare lanes — an invalid Fisher to report, a zero denominator to fall back on — go
                    // through the scalar step, which computes the same float64 sums in the same order.
                    if (!Vector256.EqualsAll(valid.AsUInt32(), Vector256<uint>.AllBitsSet)
                        || Vector256.EqualsAny(denominatorLower, Vector256<double>.Zero) || Vector256.EqualsAny(denominatorUpper, Vector256<double>.Zero))
                    {
                        for (int e = j; e < j + Vector256<float>.Count; e++) Unsafe.Add(ref o, e) = Element(ref x, stride, e, inputs.Start);
                        continue;
                    }
                    Vector256.Narrow(numeratorLower / denominatorLower, numeratorUpper / denominatorUpper).StoreUnsafe(ref o, (nuint)j);
                }
            }
            for (; j < n; j++) Unsafe.Add(ref o, j) = Element(ref x, stride, j, inputs.Start);
        }

        private float Element(ref float x, int stride, int j, long start)
        {
            int k = _weights.Length;
            double numerator = 0, denominator = 0;
            for (int i = 0; i < k; i++)
            {
                float fisher = Unsafe.Add(ref x, (k + i) * stride + j);
                if (!(fisher >= 0 && fisher <= float.MaxValue)) throw Invalid(i, fisher, start + j);
                double weight = ((double)fisher + _epsilon) * _weights[i];
                denominator += weight;
                numerator += weight * Unsafe.Add(ref x, i * stride + j);
            }
            if (denominator != 0) return (float)(numerator / denominator);
            if (Math.Abs(weightSum) < WeightSumFloor)
                throw new MergeException(WeightsSumToZero,
                    $"no weighted model has Fisher at element {start + j} and the weights sum to {Format([weightSum])}, so the plain average there is undefined; "
                    + "raise a weight or give epsilon a positive value.", tensorName);
            double plain = 0;
            for (int i = 0; i < k; i++) plain += _weights[i] * Unsafe.Add(ref x, i * stride + j);
            return (float)(plain / weightSum);
        }

        private MergeException Invalid(int model, float value, long element) =>
            new(InvalidFisher,
                $"{method._fisherNames?[model] ?? $"the Fisher of model {model + 1}"} has {value.ToString("G9", CultureInfo.InvariantCulture)} at element {element}; "
                + "a diagonal Fisher is a mean of squared gradients, so every value must be finite and ≥ 0.", tensorName);
    }
}
