using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using ModelMerge.Compute;
using ModelMerge.Compute.Cpu;
using ModelMerge.Methods.Framework;

namespace ModelMerge.Methods;

/// <summary>
/// SCE, Select–Calculate–Erase (merge-semantics §5.2). Select: with select_topk &lt; 1 keep only
/// the elements whose task vectors vary most across the models (one mask shared by all).
/// Calculate: each model's weight is its masked mean square, normalized to sum 1. Erase: per
/// element, drop the models whose sign disagrees with that of Σ τ_i and take the weighted
/// mean of the rest.
/// </summary>
public sealed class Sce(double selectTopK) : ITensorMerge
{
    /// <summary>
    /// mergekit's absolute floor on Σ s_i, below which the models weigh equally (§11 decision 5):
    /// fine-tune deltas of order 1e-3 have mean squares near it, so real tensors often fall back.
    /// </summary>
    private const double MinimumWeightSum = 1e-6;

    /// <summary>mergekit's floor on the agreeing weights' sum.</summary>
    public const double MinimumDivisor = 1e-6;

    /// <summary>The fraction of the varying elements kept (1 keeps all).</summary>
    public double SelectTopK => selectTopK;

    /// <summary>The number of variances the mask keeps: floor(nz·select_topk) of the <paramref name="nonZero"/> that vary.</summary>
    public long KeepCount(long nonZero) => (long)Math.Floor(nonZero * selectTopK);

    /// <summary>§5.2 step 3: each model's weight from its (masked) Σ τ², normalized to sum 1, or equal weights when they sum to almost nothing.</summary>
    public static double[] Weights(ReadOnlySpan<double> squares, long length)
    {
        int k = squares.Length;
        var weights = new double[k];
        double total = 0;
        for (int i = 0; i < k; i++) total += weights[i] = squares[i] / length;
        for (int i = 0; i < k; i++) weights[i] = Math.Abs(total) < MinimumWeightSum ? 1.0 / k : weights[i] / total;
        return weights;
    }

    public static MergeMethod Method { get; } = new("sce", "SCE", "https://arxiv.org/abs/2408.07990",
        BaseModelUse.Required, ModelValues.TaskVectors, MinModels: 0, MaxModels: null,
        [
            MethodParameter.Global("select_topk", 1.0, "Fraction of the elements with non-zero variance across the models that are kept (1 keeps all)."),
            MethodParameter.Global("int8_mask", 0, "Accepted for mergekit recipes; it changes no number.", ParameterKind.Boolean),
        ],
        parameters => new Sce(parameters.Number("select_topk")));

    public IChunkMerge Prepare(MergeInputs inputs, ChunkRunner runner)
    {
        int k = inputs.ModelCount;
        if (k == 0 || inputs.Length == 0) return InputCopy.Base;
        MagnitudeCut? cut = null;
        if (selectTopK < 1)
        {
            cut = SelectByVariance(inputs, runner);
            // An all-zero mask zeroes every task vector: nothing agrees, the base is the result.
            if (cut is null) return InputCopy.Base;
        }
        var squares = inputs.Sum(runner, k, (in InputChunk c, Span<double> sums) => MaskedSquares(c, cut, sums));
        return new Erase(Weights(squares, inputs.Length), cut);
    }

    /// <summary>
    /// §5.2 step 2: the k = floor(nz·select_topk) largest variances, nz counting the non-zero
    /// ones, lower index first among equals (§11 deviation 3); null when the mask keeps nothing.
    /// </summary>
    private MagnitudeCut? SelectByVariance(MergeInputs inputs, ChunkRunner runner)
    {
        if (selectTopK <= 0) return null;
        var variance = new ElementVariance(inputs);
        long nonZero = runner.Reduce(variance, () => new long[1], (count, _, values) => count[0] += values.Length - values.Count(0f),
            (total, part) => total[0] += part[0])[0];
        long keep = KeepCount(nonZero);
        return keep == 0 ? null : MagnitudeSelection.FindTopK(variance, keep, runner);
    }

    /// <summary>One chunk's Σ τ'_ij² per model, τ' the masked task vectors.</summary>
    private static void MaskedSquares(in InputChunk chunk, MagnitudeCut? cut, Span<double> sums)
    {
        if (cut is null)
        {
            for (int i = 0; i < chunk.ModelCount; i++) sums[i] += Reductions.SumOfSquares(chunk.Model(i));
            return;
        }
        var kept = ArrayPool<float>.Shared.Rent(chunk.Count);
        var masked = ArrayPool<float>.Shared.Rent(chunk.Count);
        try
        {
            var keep = Kept(chunk, cut, kept);
            for (int i = 0; i < chunk.ModelCount; i++)
            {
                var tau = chunk.Model(i);
                for (int j = 0; j < tau.Length; j++) masked[j] = keep[j] != 0 ? tau[j] : 0;
                sums[i] += Reductions.SumOfSquares(masked.AsSpan(0, tau.Length));
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(kept);
            ArrayPool<float>.Shared.Return(masked);
        }
    }

    /// <summary>The chunk's variances with what the cut drops zeroed: non-zero exactly where the mask keeps.</summary>
    private static ReadOnlySpan<float> Kept(in InputChunk chunk, MagnitudeCut cut, float[] buffer)
    {
        if (chunk.Start % ChunkGrid.ChunkElements != 0)
            throw new ArgumentException("sce's mask is cut per grid chunk; read the merge grid chunk by grid chunk.", nameof(chunk));
        var variance = buffer.AsSpan(0, chunk.Count);
        ElementVariance.Compute(chunk.Models, chunk.ModelCount, variance);
        cut.Apply(chunk.Start / ChunkGrid.ChunkElements, variance);
        return variance;
    }

    /// <summary>
    /// Per element, the population variance of the models' task vectors, (1/K)·Σ(τ_ij − mean_j)²,
    /// computed in float64 and rounded to float32: the value the top-k ranks (mergekit ranks its
    /// variance in the load dtype).
    /// </summary>
    private sealed class ElementVariance(MergeInputs inputs) : IChunkSource
    {
        public long Length => inputs.Length;

        public void Read(long start, Span<float> destination)
        {
            int n = destination.Length, k = inputs.ModelCount;
            var taus = ArrayPool<float>.Shared.Rent(k * n);
            try
            {
                for (int i = 0; i < k; i++) inputs.Models[i].Read(start, taus.AsSpan(i * n, n));
                Compute(taus.AsSpan(0, k * n), k, destination);
            }
            finally { ArrayPool<float>.Shared.Return(taus); }
        }

        /// <param name="taus">The models' task vectors back to back, each destination.Length long.</param>
        public static void Compute(ReadOnlySpan<float> taus, int models, Span<float> destination)
        {
            int n = destination.Length;
            for (int j = 0; j < n; j++)
            {
                double mean = 0;
                for (int i = 0; i < models; i++) mean += taus[i * n + j];
                mean /= models;
                double squares = 0;
                for (int i = 0; i < models; i++)
                {
                    double d = taus[i * n + j] - mean;
                    squares += d * d;
                }
                destination[j] = (float)(squares / models);
            }
        }
    }

    /// <summary>§5.2 steps 4–5 for one chunk.</summary>
    private sealed class Erase(double[] weights, MagnitudeCut? cut) : IChunkMerge
    {
        public void Merge(in InputChunk inputs, Span<float> output)
        {
            if (cut is null)
            {
                Combine(inputs, default, output);
                return;
            }
            var kept = ArrayPool<float>.Shared.Rent(inputs.Count);
            try { Combine(inputs, Kept(inputs, cut, kept), output); }
            finally { ArrayPool<float>.Shared.Return(kept); }
        }

        /// <param name="keep">Non-zero where the mask keeps the element; empty for no mask.</param>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Combine(in InputChunk inputs, ReadOnlySpan<float> keep, Span<float> output)
        {
            int n = inputs.Count;
            bool masked = !keep.IsEmpty, hasBase = inputs.HasBase;
            ref float t = ref MemoryMarshal.GetReference(inputs.Models);
            ref float m = ref MemoryMarshal.GetReference(keep);
            ref float b = ref MemoryMarshal.GetReference(inputs.Base);
            ref float o = ref MemoryMarshal.GetReference(output);
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
                for (; j <= n - Vector256<float>.Count; j += Vector256<float>.Count)
                {
                    var lower = CombineVector(ref t, ref m, masked, n, j);
                    var upper = CombineVector(ref t, ref m, masked, n, j + Vector256<double>.Count);
                    ChunkCombine.Store(lower, upper, hasBase, ref b, ref o, j);
                }
            for (; j < n; j++)
            {
                double value = masked && Unsafe.Add(ref m, j) == 0 ? 0 : CombineScalar(ref t, n, j);
                ChunkCombine.Store(value, hasBase, ref b, ref o, j);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        private Vector256<double> CombineVector(ref float t, ref float m, bool masked, int n, int j)
        {
            var keep = masked
                ? ~Vector256.Equals(Load(ref m, j), Vector256<double>.Zero)
                : Vector256<double>.AllBitsSet;
            var vote = Vector256<double>.Zero;
            for (int i = 0; i < weights.Length; i++) vote += Load(ref t, i * n + j) & keep;
            var positive = Vector256.GreaterThanOrEqual(vote, Vector256<double>.Zero);
            var sum = Vector256<double>.Zero;
            var divisor = Vector256<double>.Zero;
            for (int i = 0; i < weights.Length; i++)
            {
                var tau = Load(ref t, i * n + j) & keep;
                var agrees = Vector256.ConditionalSelect(positive,
                    Vector256.GreaterThan(tau, Vector256<double>.Zero), Vector256.LessThan(tau, Vector256<double>.Zero));
                var weight = Vector256.Create(weights[i]) & agrees;
                sum += weight * tau;
                divisor += weight;
            }
            return sum / Vector256.Max(divisor, Vector256.Create(MinimumDivisor));
        }

        private double CombineScalar(ref float t, int n, int j)
        {
            double vote = 0;
            for (int i = 0; i < weights.Length; i++) vote += Unsafe.Add(ref t, i * n + j);
            bool positive = vote >= 0;
            double sum = 0, divisor = 0;
            for (int i = 0; i < weights.Length; i++)
            {
                double tau = Unsafe.Add(ref t, i * n + j);
                if (positive ? tau > 0 : tau < 0)
                {
                    sum += weights[i] * tau;
                    divisor += weights[i];
                }
            }
            return sum / Math.Max(divisor, MinimumDivisor);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<double> Load(ref float source, int offset) =>
            Vector256.WidenLower(Vector256.Create(Vector128.LoadUnsafe(ref source, (nuint)offset), Vector128<float>.Zero));
    }
}
