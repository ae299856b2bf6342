using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Compute.Gpu;

namespace ModelMerge.Plans.Devices;

/// <summary>
/// Float64 dot products between a tensor's inputs, summed as the CPU sums them (per grid chunk in
/// lane order, the chunks in grid order), over the whole tensor or over its pieces: what the
/// spherical and Gram-matrix methods need before their elementwise step.
/// </summary>
internal static class DeviceDots
{
    /// <summary>Σ a·b for each pair (indices into <paramref name="values"/>), the values held whole.</summary>
    public static double[] Whole(GpuKernels kernels, IReadOnlyList<ArrayView1D<float, Stride1D.Dense>> values, (int A, int B)[] pairs) =>
        Array.ConvertAll(pairs, pair => kernels.Dot(values[pair.A], values[pair.B]));

    /// <summary>
    /// The same sums for a tensor too large to hold: each of <paramref name="inputs"/> is evaluated
    /// piece by piece into its scratch view (pieces of the scratch's length, whole grid chunks).
    /// Null when an input refused a piece.
    /// </summary>
    public static double[]? InPieces(DeviceRun run, IReadOnlyList<DeviceNode> inputs, (int A, int B)[] pairs, IReadOnlyList<ArrayView1D<float, Stride1D.Dense>> scratch)
    {
        var totals = Array.ConvertAll(pairs, _ => new ChunkOrderSum());
        long length = inputs[0].Length, piece = scratch[0].Length;
        var views = new ArrayView1D<float, Stride1D.Dense>[inputs.Count];
        for (long first = 0; first < length; first += piece)
        {
            long count = Math.Min(piece, length - first);
            for (int i = 0; i < inputs.Count; i++)
            {
                views[i] = scratch[i].SubView(0, count);
                if (!inputs[i].TryEvaluate(run, first, views[i])) return null;
            }
            for (int p = 0; p < pairs.Length; p++) run.Kernels.AddDot(views[pairs[p].A], views[pairs[p].B], totals[p]);
        }
        return Array.ConvertAll(totals, total => total.Value);
    }
}
