using ILGPU;

namespace ModelMerge.Compute.Gpu;

/// <summary>
/// TIES's elect-and-average step (merge-semantics §4.1 steps 5–8 with consensus), element by
/// element in float64 in the order of the CPU's <c>SignConsensus.Combine</c>, rounded once to float32.
/// </summary>
internal static class SignConsensusKernels
{
    /// <param name="deltas">The task vectors back to back: vector i at [i·n, (i+1)·n).</param>
    /// <param name="countSigns">1 for the "count" rule (vote Σ sign(u)), 0 for the "sum" rule (vote Σ u).</param>
    /// <param name="baseValues">The base, or an empty view for the bare merged delta.</param>
    public static void Combine(Index1D j, ArrayView<float> deltas, ArrayView<double> weights, int countSigns, int normalize, double lambda,
        ArrayView<float> baseValues, ArrayView<float> output)
    {
        double value = MergedDelta(j, output.Length, deltas, weights, countSigns, normalize, lambda);
        output[j] = (float)(baseValues.Length > 0 ? Float64.Add(baseValues[j], value) : value);
    }

    /// <summary>
    /// <see cref="Combine"/> with the base read as bf16 bits and the result stored as bf16 bits: a
    /// quarter of the traffic of a float32 base and output. The sum is rounded to float32 first and
    /// then to bf16, as the CPU's combine and its export round it; one rounding straight from float64 could differ.
    /// </summary>
    public static void CombineBFloat16(Index1D j, ArrayView<float> deltas, ArrayView<double> weights, int countSigns, int normalize, double lambda,
        ArrayView<ushort> baseBits, ArrayView<ushort> output)
    {
        double value = MergedDelta(j, output.Length, deltas, weights, countSigns, normalize, lambda);
        float merged = (float)(baseBits.Length > 0 ? Float64.Add(ConversionKernels.FromBFloat16(baseBits[j]), value) : value);
        output[j] = ConversionKernels.ToBFloat16(merged);
    }

    /// <summary>λ · (agreeing weighted deltas, summed or normalized) at element j, before the base.</summary>
    private static double MergedDelta(Index1D j, long n, ArrayView<float> deltas, ArrayView<double> weights, int countSigns, int normalize, double lambda)
    {
        int models = (int)weights.Length;
        double vote = 0;
        for (int i = 0; i < models; i++)
        {
            double u = Float64.Multiply(deltas[i * n + j], weights[i]);
            // A NaN u votes 0, as in the CPU's vector lanes.
            vote = countSigns != 0 ? vote + ((u > 0 ? 1.0 : 0.0) - (u < 0 ? 1.0 : 0.0)) : Float64.Add(vote, u);
        }
        // An exact tie elects +; a zero u agrees with neither sign, so it never counts.
        bool positive = vote >= 0;
        double sum = 0, divisor = 0;
        for (int i = 0; i < models; i++)
        {
            double u = Float64.Multiply(deltas[i * n + j], weights[i]);
            if (positive ? u > 0 : u < 0)
            {
                sum = Float64.Add(sum, u);
                divisor = Float64.Add(divisor, weights[i]);
            }
        }
        if (normalize != 0) sum /= divisor == 0 ? 1 : divisor;
        return Float64.Multiply(sum, lambda);
    }
}
