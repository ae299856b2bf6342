using ILGPU;

namespace ModelMerge.Compute.Gpu;

/// <summary>
/// The float64 combine steps of the linear merges, one thread per output element, each in the
/// CPU's operation order (<c>WeightedSum.Combine</c>, <c>LinearCombination.Combine</c>) with every
/// product rounded before it is added (<see cref="Float64"/>), so the float64 value and the
/// float32 it is rounded to are the CPU's bits.
/// </summary>
internal static class WeightedSumKernels
{
    /// <summary>base + (Σ_i w_i·x_i)/divisor·scale; the terms back to back, term i at [i·n, (i+1)·n); an empty base adds nothing.</summary>
    public static void WeightedSum(Index1D j, ArrayView<float> terms, ArrayView<double> weights, double divisor, double scale,
        ArrayView<float> baseValues, ArrayView<float> output)
    {
        long n = output.Length;
        double sum = 0;
        for (int i = 0; i < weights.IntLength; i++) sum += Float64.Multiply(terms[i * n + j], weights[i]);
        double value = Float64.Multiply(sum / divisor, scale);
        output[j] = (float)(baseValues.Length > 0 ? baseValues[j] + value : value);
    }

    /// <summary><see cref="WeightedSum"/> with no divisor and the scale of the element's row: model stock's per-row blend base + (t_r/N)·Σ x_i.</summary>
    public static void WeightedSumRows(Index1D j, ArrayView<float> terms, ArrayView<double> weights, ArrayView<double> rowScales, long rowLength, long first,
        ArrayView<float> baseValues, ArrayView<float> output)
    {
        long n = output.Length;
        double sum = 0;
        for (int i = 0; i < weights.IntLength; i++) sum += Float64.Multiply(terms[i * n + j], weights[i]);
        double value = Float64.Multiply(sum, rowScales[(first + j) / rowLength]);
        output[j] = (float)(baseValues.Length > 0 ? baseValues[j] + value : value);
    }

    /// <summary>
    /// Σ_i c_i·x_i + c_b·base, the element step of the spherical methods, with the coefficients of
    /// the element's vector (models of them per vector): tensor element first + j lies in vector
    /// (first + j) / vectorLength for rows along the flat tensor (the whole tensor is one), or
    /// (first + j) mod vectorLength for vectors along the first axis.
    /// </summary>
    public static void LinearCombination(Index1D j, ArrayView<float> models, ArrayView<double> vectorCoefficients, long vectorLength, long first,
        int alongFirstAxis, ArrayView<float> baseValues, double baseCoefficient, ArrayView<float> output)
    {
        long n = output.Length;
        int count = (int)(models.Length / n);
        long vector = alongFirstAxis != 0 ? (first + j) % vectorLength : (first + j) / vectorLength;
        double sum = 0;
        for (int i = 0; i < count; i++) sum += Float64.Multiply(models[i * n + j], vectorCoefficients[vector * count + i]);
        // As on the CPU, a zero coefficient leaves the base out, so a non-finite base cannot leak in as 0·∞.
        if (baseValues.Length > 0 && baseCoefficient != 0) sum += Float64.Multiply(baseValues[j], baseCoefficient);
        output[j] = (float)sum;
    }
}
