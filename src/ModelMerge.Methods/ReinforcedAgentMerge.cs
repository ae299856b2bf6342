using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using ModelMerge.Compute;
using ModelMerge.Methods.Framework;

namespace ModelMerge.Methods;

/// <summary>
/// Reinforced Agent Merging, ram and ramplus_tl (merge-semantics §5.6). A task-vector value is
/// active when |τ_ij| &gt; ε; where one model alone is active its value is kept, where several
/// are their active values are averaged, inactive values are dropped. ramplus_tl also boosts
/// each model's unique values by λ_i = 1 + r·clamp(shared_i / max(unique_i, ε), 0, alpha),
/// counted over this tensor, so a model whose changes mostly overlap others' keeps more of
/// what only it changed.
/// </summary>
public sealed class ReinforcedAgentMerge(double epsilon, ReinforcedAgentMerge.UniqueBoost? boost) : ITensorMerge
{
    private const string Reference = "https://arxiv.org/abs/2601.13572";
    private const double DefaultEpsilon = 1e-5;

    /// <summary>ramplus_tl's boost of unique values: rate r, ratio capped at alpha.</summary>
    public sealed record UniqueBoost(double Rate, double Cap);

    public static MergeMethod Method { get; } = new("ram", "Reinforced Agent Merging", Reference,
        BaseModelUse.Required, ModelValues.TaskVectors, MinModels: 0, MaxModels: null,
        [EpsilonParameter],
        parameters => new ReinforcedAgentMerge(parameters.Number("epsilon"), null));

    public static MergeMethod PlusMethod { get; } = new("ramplus_tl", "Reinforced Agent Merging Plus (Tensor-Local)", Reference,
        BaseModelUse.Required, ModelValues.TaskVectors, MinModels: 0, MaxModels: null,
        [
            MethodParameter.Global("r", 0.1, "How strongly a model's unique values are boosted."),
            MethodParameter.Global("alpha", 0.2, "Cap on a model's shared-to-unique ratio before it scales the boost."),
            EpsilonParameter,
        ],
        parameters => new ReinforcedAgentMerge(parameters.Number("epsilon"), new UniqueBoost(parameters.Number("r"), parameters.Number("alpha"))));

    private static MethodParameter EpsilonParameter =>
        MethodParameter.Global("epsilon", DefaultEpsilon, "A task-vector value counts as a change only when its magnitude exceeds this.");

    /// <summary>A task-vector value is active when its magnitude exceeds this.</summary>
    public double Epsilon => epsilon;

    /// <summary>ramplus_tl's boost; null for ram.</summary>
    public UniqueBoost? Boost => boost;

    public IChunkMerge Prepare(MergeInputs inputs, ChunkRunner runner)
    {
        int k = inputs.ModelCount;
        if (k == 0) return InputCopy.Base;
        var counts = boost is null ? null : inputs.Sum(runner, 2 * k, (in InputChunk c, Span<double> sums) => CountOverlap(c, epsilon, sums));
        return new Combine(Scales(k, counts), epsilon);
    }

    /// <summary>
    /// Each model's λ_i: 1 for ram; for ramplus_tl from <paramref name="counts"/>, its shared active
    /// values (counts[i]) and unique ones (counts[k + i]) over the tensor.
    /// </summary>
    public double[] Scales(int models, ReadOnlySpan<double> counts)
    {
        var scales = Enumerable.Repeat(1.0, models).ToArray();
        if (boost is null) return scales;
        for (int i = 0; i < models; i++)
        {
            double ratio = counts[i] / Math.Max(counts[models + i], epsilon);
            // torch's clamp: the lower bound first, then the upper, so a negative alpha wins.
            scales[i] = 1 + boost.Rate * Math.Min(Math.Max(ratio, 0), boost.Cap);
        }
        return scales;
    }

    /// <summary>Per model, how many of its active values others share (sums[i]) and how many only it has (sums[k + i]).</summary>
    private static void CountOverlap(in InputChunk chunk, double epsilon, Span<double> sums)
    {
        int k = chunk.ModelCount, n = chunk.Count;
        Span<long> counts = stackalloc long[2 * k];
        var taus = chunk.Models;
        for (int j = 0; j < n; j++)
        {
            int active = 0;
            for (int i = 0; i < k; i++)
                if (Math.Abs(taus[i * n + j]) > epsilon) active++;
            if (active == 0) continue;
            int slot = active > 1 ? 0 : k;
            for (int i = 0; i < k; i++)
                if (Math.Abs(taus[i * n + j]) > epsilon) counts[slot + i]++;
        }
        for (int i = 0; i < 2 * k; i++) sums[i] += counts[i];
    }

    /// <summary>§5.6 steps 2–3 for one chunk: the active mean where several are active, the one active value times its λ where one is.</summary>
    private sealed class Combine(double[] scales, double epsilon) : IChunkMerge
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Merge(in InputChunk inputs, Span<float> output)
        {
            int n = inputs.Count;
            bool hasBase = inputs.HasBase;
            ref float t = ref MemoryMarshal.GetReference(inputs.Models);
            ref float b = ref MemoryMarshal.GetReference(inputs.Base);
            ref float o = ref MemoryMarshal.GetReference(output);
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
                for (; j <= n - Vector256<float>.Count; j += Vector256<float>.Count)
                {
                    var lower = CombineVector(ref t, n, j);
                    var upper = CombineVector(ref t, n, j + Vector256<double>.Count);
                    ChunkCombine.Store(lower, upper, hasBase, ref b, ref o, j);
                }
            for (; j < n; j++)
            {
                double count = 0, sum = 0, unique = 0;
                for (int i = 0; i < scales.Length; i++)
                {
                    double tau = Unsafe.Add(ref t, i * n + j);
                    if (Math.Abs(tau) <= epsilon) continue;
                    count++;
                    sum += tau;
                    unique += tau * scales[i];
                }
                ChunkCombine.Store(count > 1 ? sum / count : unique, hasBase, ref b, ref o, j);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
        private Vector256<double> CombineVector(ref float t, int n, int j)
        {
            var threshold = Vector256.Create(epsilon);
            var count = Vector256<double>.Zero;
            var sum = Vector256<double>.Zero;
            var unique = Vector256<double>.Zero;
            for (int i = 0; i < scales.Length; i++)
            {
                var tau = Vector256.WidenLower(Vector256.Create(Vector128.LoadUnsafe(ref t, (nuint)(i * n + j)), Vector128<float>.Zero));
                var active = Vector256.GreaterThan(Vector256.Abs(tau), threshold);
                count += Vector256<double>.One & active;
                sum += tau & active;
                unique += (tau * scales[i]) & active;
            }
            var several = Vector256.GreaterThan(count, Vector256<double>.One);
            return Vector256.ConditionalSelect(several, sum / Vector256.Max(count, Vector256<double>.One), unique);
        }
    }
}
