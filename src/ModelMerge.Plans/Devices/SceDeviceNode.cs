using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Compute.Gpu;
using ModelMerge.Methods;

namespace ModelMerge.Plans.Devices;

/// <summary>
/// SCE (<c>Sce</c>): with select_topk &lt; 1 the per-element variance across the task vectors and its
/// top-k cut (the radix select of TIES), then each model's masked Σ τ² in the CPU's order, the
/// weights on the host, and the sign-agreeing weighted mean in one kernel. In pieces, the count of
/// varying elements, the cut and the sums come first, from passes over every piece.
/// </summary>
internal sealed class SceDeviceNode(DeviceNode baseTensor, IReadOnlyList<DeviceNode> taskVectors, Sce sce) : DeviceNode
{
    public override long Length => baseTensor.Length;

    public override double ScratchBuffers =>
        taskVectors.Count + 3 + Math.Max(baseTensor.ScratchBuffers, taskVectors.Max(t => t.ScratchBuffers));

    private bool Selects => sce.SelectTopK < 1;

    public override bool TryEvaluate(DeviceRun run, long start, ArrayView1D<float, Stride1D.Dense> destination)
    {
        long n = destination.Length;
        // Nothing selected: every task vector is masked away and the base is the result.
        if (Selects && sce.SelectTopK <= 0) return baseTensor.TryEvaluate(run, start, destination);
        // A piece's statistics come first, before its own buffers are taken.
        var statistics = default(Statistics);
        if (n != Length && !run.TryRemember(this, () => PieceStatistics(run, n), out statistics)) return false;
        if (statistics.BaseOnly) return baseTensor.TryEvaluate(run, start, destination);
        using var taus = run.Pack(taskVectors, start, n);
        if (taus is null) return false;
        using var variance = Selects ? run.Allocate<float>(n) : null;
        if (n == Length)
        {
            if (WholeStatistics(run, taus.View, variance?.View) is not { } whole) return false;
            statistics = whole;
            if (statistics.BaseOnly) return baseTensor.TryEvaluate(run, start, destination);
        }
        else if (statistics.Cut is { } cut) KeptVariance(run, taus.View, cut, variance!.View, start);

        using var baseValues = run.Allocate<float>(n);
        if (!baseTensor.TryEvaluate(run, start, baseValues.View)) return false;
        using var weights = run.Gpu.Accelerator.Allocate1D(statistics.Weights);
        run.Kernels.SceErase(taus.View, weights.View, statistics.Cut is null ? ArrayView<float>.Empty : variance!.View, Sce.MinimumDivisor, baseValues.View,
            destination);
        return true;
    }

    /// <summary>The tensor held whole: its cut (the variances left kept in <paramref name="variance"/>) and the weights.</summary>
    private Statistics? WholeStatistics(DeviceRun run, ArrayView<float> taus, ArrayView1D<float, Stride1D.Dense>? variance)
    {
        var kernels = run.Kernels;
        DeviceMagnitudeCut? cut = null;
        if (variance is { } v)
        {
            kernels.SceVariance(taus, taskVectors.Count, v);
            long keep = sce.KeepCount(Length - kernels.CountZeros(v));
            if (keep == 0) return Statistics.OfBase;
            cut = kernels.FindTopKByMagnitude(v, keep);
            kernels.ApplyMagnitudeCut(v, cut.Value, v);
        }
        var squares = new ChunkOrderSum[taskVectors.Count];
        using var masked = cut is null ? null : run.Allocate<float>(Length);
        for (int i = 0; i < taskVectors.Count; i++)
            AddSquares(kernels, taus.SubView(i * Length, Length), variance, masked?.View, squares[i] = new ChunkOrderSum());
        return new Statistics(cut, false, Sce.Weights(Array.ConvertAll(squares, s => s.Value), Length));
    }

    /// <summary>The same from passes over pieces of <paramref name="piece"/> elements: the count of varying elements, the cut, the masked sums.</summary>
    private Statistics? PieceStatistics(DeviceRun run, long piece)
    {
        var kernels = run.Kernels;
        int k = taskVectors.Count;
        using var variance = run.Allocate<float>(piece);
        DeviceMagnitudeCut? cut = null;
        if (Selects)
        {
            long zeros = 0;
            for (long first = 0; first < Length; first += piece)
            {
                long count = Math.Min(piece, Length - first);
                if (!TryVariance(run, first, variance.View.SubView(0, count))) return null;
                zeros += kernels.CountZeros(variance.View.SubView(0, count));
            }
            long keep = sce.KeepCount(Length - zeros);
            if (keep == 0) return Statistics.OfBase;
            cut = kernels.FindTopKByMagnitudeInPieces(Length, keep, checked((int)piece), (first, values) => TryVariance(run, first, values));
            if (cut is null) return null;
        }
        var squares = Enumerable.Range(0, k).Select(_ => new ChunkOrderSum()).ToArray();
        using var masked = run.Allocate<float>(piece);
        for (long first = 0; first < Length; first += piece)
        {
            long count = Math.Min(piece, Length - first);
            using var taus = run.Pack(taskVectors, first, count);
            if (taus is null) return null;
            var kept = variance.View.SubView(0, count);
            if (cut is { } c) KeptVariance(run, taus.View, c, kept, first);
            for (int i = 0; i < k; i++)
                AddSquares(kernels, taus.View.SubView(i * count, count), cut is null ? null : kept, masked.View.SubView(0, count), squares[i]);
        }
        return new Statistics(cut, false, Sce.Weights(Array.ConvertAll(squares, s => s.Value), Length));
    }

    /// <summary>The variances of elements [first, first + destination.Length).</summary>
    private bool TryVariance(DeviceRun run, long first, ArrayView<float> destination)
    {
        using var taus = run.Pack(taskVectors, first, destination.Length);
        if (taus is null) return false;
        run.Kernels.SceVariance(taus.View, taskVectors.Count, destination);
        return true;
    }

    /// <summary>The variances of a piece with what the cut drops zeroed: non-zero exactly where the mask keeps.</summary>
    private void KeptVariance(DeviceRun run, ArrayView<float> taus, DeviceMagnitudeCut cut, ArrayView<float> variance, long start)
    {
        run.Kernels.SceVariance(taus, taskVectors.Count, variance);
        run.Kernels.ApplyMagnitudeCut(variance, cut, variance, start);
    }

    /// <summary>Adds Σ τ² (of τ masked by the kept variances, when given) of one piece to <paramref name="total"/>.</summary>
    private static void AddSquares(GpuKernels kernels, ArrayView<float> tau, ArrayView<float>? keptVariance, ArrayView<float>? scratch, ChunkOrderSum total)
    {
        if (keptVariance is { } kept)
        {
            kernels.SceMask(tau, kept, scratch!.Value);
            tau = scratch.Value;
        }
        kernels.AddDot(tau, tau, total);
    }

    private readonly record struct Statistics(DeviceMagnitudeCut? Cut, bool BaseOnly, double[] Weights)
    {
        public static Statistics OfBase => new(null, true, []);
    }
}
