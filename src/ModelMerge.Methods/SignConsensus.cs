using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ModelMerge.Methods;

/// <summary>
/// TIES's elect-and-average step for one chunk (merge-semantics §4.1 steps 5–8 with consensus):
/// u_i = w_i·τ_i; the elected sign is that of Σu_i (or of Σsign(u_i)), + on a tie; only the
/// models whose u_i has that sign count — a zero never agrees — and, normalized, their sum is
/// divided by the sum of their weights (1 when none agrees); λ scales it and it is added to
/// the base. The element math runs in float64 and is rounded to float32 once, so the result
/// is the exact one correctly rounded whenever the task vectors are exact.
/// </summary>
public static class SignConsensus
{
    /// <param name="deltas">The task vectors' chunks back to back: input i at [i·n, (i+1)·n).</param>
    /// <param name="baseValues">The base's chunk (added to the merged delta), or empty for the bare delta.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Combine(ReadOnlySpan<float> deltas, ReadOnlySpan<double> weights, SignRule rule, bool normalize, double lambda,
        ReadOnlySpan<float> baseValues, Span<float> output)
    {
        int n = output.Length;
        bool hasBase = ChunkCombine.Validate(deltas.Length, weights.Length, baseValues, n);
        ref float d = ref MemoryMarshal.GetReference(deltas);
        ref float b = ref MemoryMarshal.GetReference(baseValues);
        ref float o = ref MemoryMarshal.GetReference(output);
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
            j = SignConsensusWide.Combine(ref d, n, weights, rule, normalize, lambda, hasBase, ref b, ref o);
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; j <= n - Vector256<float>.Count; j += Vector256<float>.Count)
            {
                var lower = CombineVector(ref d, n, j, weights, rule, normalize, lambda);
                var upper = CombineVector(ref d, n, j + Vector256<double>.Count, weights, rule, normalize, lambda);
                ChunkCombine.Store(lower, upper, hasBase, ref b, ref o, j);
            }
        }
        for (; j < n; j++)
        {
            double value = CombineScalar(ref d, n, j, weights, rule, normalize, lambda);
            ChunkCombine.Store(value, hasBase, ref b, ref o, j);
        }
    }

    /// <summary>Four elements starting at <paramref name="j"/>, in float64.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector256<double> CombineVector(ref float d, int n, int j, ReadOnlySpan<double> weights, SignRule rule, bool normalize, double lambda)
    {
        var vote = Vector256<double>.Zero;
        for (int i = 0; i < weights.Length; i++)
        {
            var u = Load(ref d, i * n + j) * weights[i];
            vote += rule == SignRule.Sum ? u : Sign(u);
        }
        var positive = Vector256.GreaterThanOrEqual(vote, Vector256<double>.Zero);
        var sum = Vector256<double>.Zero;
        var divisor = Vector256<double>.Zero;
        for (int i = 0; i < weights.Length; i++)
        {
            var u = Load(ref d, i * n + j) * weights[i];
            var agrees = Vector256.ConditionalSelect(positive,
                Vector256.GreaterThan(u, Vector256<double>.Zero), Vector256.LessThan(u, Vector256<double>.Zero));
            sum += u & agrees;
            divisor += Vector256.Create(weights[i]) & agrees;
        }
        if (normalize)
        {
            var none = Vector256.Equals(divisor, Vector256<double>.Zero);
            sum /= Vector256.ConditionalSelect(none, Vector256<double>.One, divisor);
        }
        return sum * lambda;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector256<double> Load(ref float source, int offset) =>
        Vector256.WidenLower(Vector256.Create(Vector128.LoadUnsafe(ref source, (nuint)offset), Vector128<float>.Zero));

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector256<double> Sign(Vector256<double> u) =>
        (Vector256<double>.One & Vector256.GreaterThan(u, Vector256<double>.Zero))
        - (Vector256<double>.One & Vector256.LessThan(u, Vector256<double>.Zero));

    private static double CombineScalar(ref float d, int n, int j, ReadOnlySpan<double> weights, SignRule rule, bool normalize, double lambda)
    {
        double vote = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            double u = Unsafe.Add(ref d, i * n + j) * weights[i];
            // Compared rather than Math.Sign, which throws on NaN; the vector lanes count a NaN as 0 too.
            vote += rule == SignRule.Sum ? u : u > 0 ? 1 : u < 0 ? -1 : 0;
        }
        bool positive = vote >= 0;
        double sum = 0, divisor = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            double u = Unsafe.Add(ref d, i * n + j) * weights[i];
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
