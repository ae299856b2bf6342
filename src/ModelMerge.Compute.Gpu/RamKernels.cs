using ILGPU;

namespace ModelMerge.Compute.Gpu;

/// <summary>
/// Reinforced Agent Merging on the device (<c>ReinforcedAgentMerge</c>): a value is active when
/// |τ| exceeds ε. The task vectors lie back to back, model i at [i·n, (i+1)·n).
/// </summary>
internal static class RamKernels
{
    /// <summary>
    /// One thread per (grid chunk, lane, model): of the lane's elements (lane, lane + 8, … of the
    /// chunk), how many have the model active together with another model (shared) and how many
    /// with it alone (unique). Exact integer counts; the host adds them.
    /// </summary>
    public static void CountOverlap(Index1D index, ArrayView<float> taus, int models, double epsilon, long n, ArrayView<long> counts)
    {
        int thread = index;
        int model = thread % models;
        long lane = thread / models;
        long chunk = lane / LanePartials.Lanes;
        long start = chunk * ChunkGrid.ChunkElements;
        long end = start + ChunkGrid.ChunkElements < n ? start + ChunkGrid.ChunkElements : n;
        long shared = 0, unique = 0;
        for (long j = start + lane % LanePartials.Lanes; j < end; j += LanePartials.Lanes)
        {
            if (!(Math.Abs((double)taus[model * n + j]) > epsilon)) continue;
            int active = 0;
            for (int i = 0; i < models; i++)
                if (Math.Abs((double)taus[i * n + j]) > epsilon) active++;
            if (active > 1) shared++;
            else unique++;
        }
        counts[2 * (long)thread] = shared;
        counts[2 * (long)thread + 1] = unique;
    }

    /// <summary>
    /// base + (the active mean where several models are active, else the one active value times
    /// its λ, 0 where none is), as the CPU's vector path computes it: inactive values add +0.
    /// </summary>
    public static void Combine(Index1D j, ArrayView<float> taus, ArrayView<double> scales, double epsilon, ArrayView<float> baseValues, ArrayView<float> output)
    {
        long n = output.Length;
        double count = 0, sum = 0, unique = 0;
        for (int i = 0; i < scales.IntLength; i++)
        {
            double tau = taus[i * n + j];
            bool active = Math.Abs(tau) > epsilon;
            count += active ? 1.0 : 0.0;
            sum += active ? tau : 0.0;
            unique += active ? Float64.Multiply(tau, scales[i]) : 0.0;
        }
        double value = count > 1 ? sum / count : unique;
        output[j] = (float)(baseValues.Length > 0 ? baseValues[j] + value : value);
    }
}
