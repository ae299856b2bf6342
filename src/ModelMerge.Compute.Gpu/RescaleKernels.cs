using ILGPU;
using ILGPU.Algorithms;

namespace ModelMerge.Compute.Gpu;

/// <summary>The survivors' rescale after a trim (merge-semantics §4.2 "rescale"), with the CPU's float64 sums.</summary>
internal static class RescaleKernels
{
    /// <summary>The running sums of the CPU's float64 reductions.</summary>
    public const int Lanes = LanePartials.Lanes;

    /// <summary>
    /// One thread per (grid chunk, lane): lane l of chunk c sums |x_j| for j ≡ l (mod 8) in index
    /// order, starting from 0, which is the order of the CPU's <c>Reductions.SumOfMagnitudes</c>
    /// (element j to running sum j mod 8). float64 addition does not reassociate, so only that
    /// order gives the CPU's bits; the eight lanes and then the chunks are added on the host.
    /// </summary>
    public static void SumOfMagnitudesPerLane(Index1D t, ArrayView<float> values, ArrayView<double> lanes)
    {
        long chunk = t / Lanes;
        long start = chunk * ChunkGrid.ChunkElements;
        long end = XMath.Min(start + ChunkGrid.ChunkElements, values.Length);
        double sum = 0;
        for (long j = start + t % Lanes; j < end; j += Lanes) sum += XMath.Abs((double)values[j]);
        lanes[t] = sum;
    }

    /// <summary>One rounding per element, as the CPU's <c>TensorPrimitives.Multiply</c> rounds it.</summary>
    public static void Scale(Index1D i, ArrayView<float> values, float factor) => values[i] *= factor;
}
