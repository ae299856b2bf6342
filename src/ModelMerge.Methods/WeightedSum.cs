using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ModelMerge.Methods;

/// <summary>
/// base + scale·(Σ w_i·x_i)/divisor over a chunk: task arithmetic without consensus
/// (merge-semantics §4.1) and the linear merge (§3.1, no base, scale 1) are both this. The
/// element math runs in float64 and is rounded to float32 once.
/// </summary>
public static class WeightedSum
{
    /// <param name="inputs">The inputs' chunks back to back: input i at [i·n, (i+1)·n).</param>
    /// <param name="divisor">Divides the sum: D = Σw when normalizing, else 1.</param>
    /// <param name="scale">Multiplies the quotient: λ for task arithmetic, 1 for a linear merge.</param>
    /// <param name="baseValues">The base's chunk to add, or empty.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Combine(ReadOnlySpan<float> inputs, ReadOnlySpan<double> weights, double divisor, double scale,
        ReadOnlySpan<float> baseValues, Span<float> output)
    {
        int n = output.Length;
        bool hasBase = ChunkCombine.Validate(inputs.Length, weights.Length, baseValues, n);
        ref float x = ref MemoryMarshal.GetReference(inputs);
        ref float b = ref MemoryMarshal.GetReference(baseValues);
        ref float o = ref MemoryMarshal.GetReference(output);
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j <= n - Vector256<float>.Count; j += Vector256<float>.Count)
            {
                var lower = Vector256<double>.Zero;
                var upper = Vector256<double>.Zero;
                for (int i = 0; i < weights.Length; i++)
                {
                    var (l, u) = Vector256.Widen(Vector256.LoadUnsafe(ref x, (nuint)(i * n + j)));
                    lower += l * weights[i];
                    upper += u * weights[i];
                }
                lower = lower / divisor * scale;
                upper = upper / divisor * scale;
                ChunkCombine.Store(lower, upper, hasBase, ref b, ref o, j);
            }
        }
        for (; j < n; j++)
        {
            double sum = 0;
            for (int i = 0; i < weights.Length; i++) sum += Unsafe.Add(ref x, i * n + j) * weights[i];
            double value = sum / divisor * scale;
            ChunkCombine.Store(value, hasBase, ref b, ref o, j);
        }
    }
}
