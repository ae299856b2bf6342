using System.Numerics.Tensors;

namespace ModelMerge.Methods;

/// <summary>
/// Σ w_i·x_i over a chunk, optionally divided by one scalar: task arithmetic without consensus
/// (merge-semantics §4.1) and the linear merge (§3.1) are both this.
/// </summary>
public static class WeightedSum
{
    /// <param name="inputs">The inputs' chunks back to back: input i at [i·n, (i+1)·n).</param>
    /// <param name="divisor">Divides the sum: D = Σw when normalizing, else 1.</param>
    /// <param name="scale">Multiplies the quotient: λ for task arithmetic, 1 for a linear merge.</param>
    public static void Combine(ReadOnlySpan<float> inputs, ReadOnlySpan<float> weights, float divisor, float scale, Span<float> output)
    {
        int n = output.Length;
        TensorPrimitives.Multiply(inputs[..n], weights[0], output);
        for (int i = 1; i < weights.Length; i++)
            TensorPrimitives.MultiplyAdd(inputs.Slice(i * n, n), weights[i], output, output);
        if (divisor != 1f) TensorPrimitives.Divide(output, divisor, output);
        if (scale != 1f) TensorPrimitives.Multiply(output, scale, output);
    }
}
