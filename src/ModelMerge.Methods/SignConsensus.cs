using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ModelMerge.Methods;

/// <summary>
/// TIES's elect-and-average step for one chunk (merge-semantics §4.1 step 5 with consensus):
/// u_i = w_i·τ_i; the elected sign is that of Σu_i (or of Σsign(u_i)), + on a tie; only the
/// models whose u_i has that sign count — a zero never agrees — and, normalized, their sum is
/// divided by the sum of their weights (1 when none agrees); then λ scales it.
/// </summary>
public static class SignConsensus
{
    /// <param name="deltas">The task vectors' chunks back to back: input i at [i·n, (i+1)·n).</param>
    public static void Combine(ReadOnlySpan<float> deltas, ReadOnlySpan<float> weights, SignRule rule, bool normalize, float lambda, Span<float> output)
    {
        int n = output.Length;
        int inputs = weights.Length;
        if (deltas.Length < inputs * n) throw new ArgumentException("deltas must hold one chunk per weight.", nameof(deltas));
        ref float d = ref MemoryMarshal.GetReference(deltas);
        ref float o = ref MemoryMarshal.GetReference(output);
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; j <= n - Vector512<float>.Count; j += Vector512<float>.Count)
                CombineVector(ref d, n, j, weights, rule, normalize, lambda).StoreUnsafe(ref o, (nuint)j);
        }
        for (; j < n; j++) Unsafe.Add(ref o, j) = CombineScalar(ref d, n, j, weights, rule, normalize, lambda);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> CombineVector(ref float d, int n, int j, ReadOnlySpan<float> weights, SignRule rule, bool normalize, float lambda)
    {
        var vote = Vector512<float>.Zero;
        for (int i = 0; i < weights.Length; i++)
        {
            var u = Vector512.LoadUnsafe(ref d, (nuint)(i * n + j)) * weights[i];
            vote += rule == SignRule.Sum ? u : Sign(u);
        }
        var positive = Vector512.GreaterThanOrEqual(vote, Vector512<float>.Zero);
        var sum = Vector512<float>.Zero;
        var divisor = Vector512<float>.Zero;
        for (int i = 0; i < weights.Length; i++)
        {
            var u = Vector512.LoadUnsafe(ref d, (nuint)(i * n + j)) * weights[i];
            var agrees = Vector512.ConditionalSelect(positive,
                Vector512.GreaterThan(u, Vector512<float>.Zero), Vector512.LessThan(u, Vector512<float>.Zero));
            sum += u & agrees;
            divisor += Vector512.Create(weights[i]) & agrees;
        }
        if (normalize)
        {
            var none = Vector512.Equals(divisor, Vector512<float>.Zero);
            sum /= Vector512.ConditionalSelect(none, Vector512<float>.One, divisor);
        }
        return sum * lambda;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Sign(Vector512<float> u) =>
        (Vector512<float>.One & Vector512.GreaterThan(u, Vector512<float>.Zero))
        - (Vector512<float>.One & Vector512.LessThan(u, Vector512<float>.Zero));

    private static float CombineScalar(ref float d, int n, int j, ReadOnlySpan<float> weights, SignRule rule, bool normalize, float lambda)
    {
        float vote = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            float u = Unsafe.Add(ref d, i * n + j) * weights[i];
            vote += rule == SignRule.Sum ? u : MathF.Sign(u);
        }
        bool positive = vote >= 0;
        float sum = 0, divisor = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            float u = Unsafe.Add(ref d, i * n + j) * weights[i];
            if (positive ? u > 0 : u < 0)
            {
                sum += u;
                divisor += weights[i];
            }
        }
        if (normalize) sum /= divisor == 0 ? 1 : divisor;
        return sum * lambda;
    }
}
