using ILGPU;

namespace ModelMerge.Compute.Gpu;

/// <summary>
/// SCE on the device, in the CPU's float64 operations and order (<c>Sce</c>): the per-element
/// variance across the models, the mask it selects, and the sign-agreeing weighted mean, with
/// every product rounded before it is added (<see cref="Float64"/>). The task vectors lie back to
/// back, model i at [i·n, (i+1)·n).
/// </summary>
internal static class SceKernels
{
    /// <summary>(1/K)·Σ(τ_ij − mean_j)² in float64, rounded to float32.</summary>
    public static void Variance(Index1D j, ArrayView<float> taus, int models, ArrayView<float> variance)
    {
        long n = variance.Length;
        double mean = 0;
        for (int i = 0; i < models; i++) mean += taus[i * n + j];
        mean /= models;
        double squares = 0;
        for (int i = 0; i < models; i++)
        {
            double d = taus[i * n + j] - mean;
            squares += Float64.Multiply(d, d);
        }
        variance[j] = (float)(squares / models);
    }

    public static void CountZeros(Index1D i, ArrayView<float> values, ArrayView<long> count)
    {
        if (values[i] == 0f) Atomic.Add(ref count[0], 1L);
    }

    /// <summary>τ where the kept variance is non-zero (the mask keeps it), +0 elsewhere.</summary>
    public static void Mask(Index1D j, ArrayView<float> tau, ArrayView<float> keptVariance, ArrayView<float> masked) =>
        masked[j] = keptVariance[j] != 0f ? tau[j] : 0f;

    /// <summary>
    /// base + Σ_agreeing w_i·τ_i / max(Σ_agreeing w_i, floor), the agreeing models those whose sign
    /// is that of Σ τ_i (≥ 0 counts as positive); an empty <paramref name="keptVariance"/> keeps every
    /// element, else a zero there zeroes every τ. As the CPU's vector path: non-agreeing models add +0.
    /// </summary>
    public static void Erase(Index1D j, ArrayView<float> taus, ArrayView<double> weights, ArrayView<float> keptVariance, double minimumDivisor,
        ArrayView<float> baseValues, ArrayView<float> output)
    {
        long n = output.Length;
        bool keep = keptVariance.Length == 0 || keptVariance[j] != 0f;
        double vote = 0;
        for (int i = 0; i < weights.IntLength; i++) vote += keep ? taus[i * n + j] : 0.0;
        bool positive = vote >= 0;
        double sum = 0, divisor = 0;
        for (int i = 0; i < weights.IntLength; i++)
        {
            double tau = keep ? taus[i * n + j] : 0.0;
            double weight = (positive ? tau > 0 : tau < 0) ? weights[i] : 0.0;
            sum += Float64.Multiply(weight, tau);
            divisor += weight;
        }
        double value = sum / Math.Max(divisor, minimumDivisor);
        output[j] = (float)(baseValues.Length > 0 ? baseValues[j] + value : value);
    }
}
