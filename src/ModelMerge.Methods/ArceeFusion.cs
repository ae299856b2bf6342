using System.Buffers;
using ModelMerge.Compute;
using ModelMerge.Compute.Cpu;
using ModelMerge.Methods.Framework;

namespace ModelMerge.Methods;

/// <summary>
/// Arcee Fusion (merge-semantics §5.5): take the other model's value only where its change is
/// important. importance_j = |b_j − a_j| · KL of j's row (<see cref="RowDivergence"/>), and
/// element j comes from b when importance_j ≥ Q(0.5) + 1.5·(Q(0.75) − Q(0.25)), Q(q) being
/// the sorted importances' element floor(q·(n − 1)). mergekit reads Q off a random sample of
/// 10^6 elements on large tensors; ModelMerge uses exact order statistics over every element
/// (§11 deviation 11), so the result is deterministic. Importances are rounded to float32 —
/// mergekit's own precision — before they are ranked and compared.
/// </summary>
public sealed class ArceeFusion : ITensorMerge
{
    private static readonly double[] Quartiles = [0.25, 0.5, 0.75];

    public static MergeMethod Method { get; } = new("arcee_fusion", "Arcee Fusion", "https://arcee.ai",
        BaseModelUse.Required, ModelValues.Checkpoints, MinModels: 1, MaxModels: 1, [], _ => new ArceeFusion());

    public IChunkMerge Prepare(MergeInputs inputs, ChunkRunner runner)
    {
        // §5.5: with only one of the two present, that one is the result.
        if (!inputs.HasBase && inputs.ModelCount == 1) return InputCopy.Model(0);
        if (inputs.ModelCount == 0 || inputs.Length == 0) return InputCopy.Base;
        if (inputs.ModelCount != 1) throw new ArgumentException($"arcee_fusion merges the base with one model, got {inputs.ModelCount}.", nameof(inputs));

        var importance = new Importance(inputs, RowDivergence.Compute(inputs, runner));
        var ranks = Quartiles.Select(q => (long)Math.Floor(q * (inputs.Length - 1))).ToArray();
        var quartiles = OrderStatistics.Select(importance, ranks, runner);
        double threshold = quartiles[1] + 1.5 * ((double)quartiles[2] - quartiles[0]);
        return new Fusion(importance, threshold);
    }

    /// <summary>The importances as a tensor, computed on request from the base, the model and the rows' divergences.</summary>
    private sealed class Importance(MergeInputs inputs, double[] divergence) : IChunkSource
    {
        public long Length => inputs.Length;

        public void Read(long start, Span<float> destination)
        {
            int n = destination.Length;
            var values = ArrayPool<float>.Shared.Rent(2 * n);
            try
            {
                inputs.Base!.Read(start, values.AsSpan(0, n));
                inputs.Models[0].Read(start, values.AsSpan(n, n));
                Compute(values.AsSpan(0, n), values.AsSpan(n, n), start, destination);
            }
            finally { ArrayPool<float>.Shared.Return(values); }
        }

        /// <summary>|b_j − a_j|·KL_row in float64, rounded once to float32.</summary>
        public void Compute(ReadOnlySpan<float> a, ReadOnlySpan<float> b, long start, Span<float> destination)
        {
            foreach (var (row, from, to) in new RowSegments(start, destination.Length, inputs.RowLength))
            {
                double kl = divergence[row];
                for (int j = from; j < to; j++) destination[j] = (float)(Math.Abs((double)b[j] - a[j]) * kl);
            }
        }
    }

    /// <summary>§5.5 step 4: b where the importance reaches the threshold, a elsewhere — each value copied, not recomputed.</summary>
    private sealed class Fusion(Importance importance, double threshold) : IChunkMerge
    {
        public void Merge(in InputChunk inputs, Span<float> output)
        {
            var buffer = ArrayPool<float>.Shared.Rent(inputs.Count);
            try
            {
                var scores = buffer.AsSpan(0, inputs.Count);
                var a = inputs.Base;
                var b = inputs.Model(0);
                importance.Compute(a, b, inputs.Start, scores);
                for (int j = 0; j < scores.Length; j++) output[j] = scores[j] >= threshold ? b[j] : a[j];
            }
            finally { ArrayPool<float>.Shared.Return(buffer); }
        }
    }
}
