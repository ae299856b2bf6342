using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Methods;

namespace ModelMerge.Plans.Devices;

/// <summary>
/// Model Stock over the whole tensor (<c>ModelStock</c> without filter_wise): the offsets' Gram
/// sums on the device in the CPU's order, the ratio t on the host, then θ_b + (t/N)·Σ o_i in one
/// weighted-sum kernel, whose float64 steps are the CPU blend's.
/// </summary>
internal sealed class ModelStockDeviceNode(DeviceNode baseTensor, IReadOnlyList<DeviceNode> offsets) : DeviceNode
{
    private readonly (int, int)[] _pairs = ModelStock.GramPairs(offsets.Count);

    public override long Length => baseTensor.Length;

    public override double ScratchBuffers => offsets.Count + 1 + Math.Max(baseTensor.ScratchBuffers, offsets.Max(o => o.ScratchBuffers));

    public override bool TryEvaluate(DeviceRun run, long start, ArrayView1D<float, Stride1D.Dense> destination)
    {
        int n = offsets.Count;
        long length = destination.Length;
        using var packed = run.Allocate<float>(n * length);
        var views = Enumerable.Range(0, n).Select(i => packed.View.SubView(i * length, length)).ToArray();
        double ratio;
        if (length == Length)
        {
            if (!EvaluateAll(run, 0, views) || Ratio(DeviceDots.Whole(run.Kernels, views, _pairs)) is not double whole) return false;
            ratio = whole;
        }
        else if (!run.TryRemember(this, () => DeviceDots.InPieces(run, offsets, _pairs, views) is { } sums ? Ratio(sums) : null, out ratio)
            || !EvaluateAll(run, start, views)) return false;

        using var baseValues = run.Allocate<float>(length);
        if (!baseTensor.TryEvaluate(run, start, baseValues.View)) return false;
        using var ones = run.Allocate<double>(n);
        ones.View.CopyFromCPU(Enumerable.Repeat(1.0, n).ToArray());
        run.Kernels.WeightedSum(packed.View, ones.View, 1, ratio / n, baseValues.View, destination);
        // Said once the tensor is the GPU's: a refusal above hands it to the CPU, which says it itself.
        if (start == 0)
            foreach (var remark in ModelStock.Blend.RemarksOn([ratio])) run.Context.Warn($"tensor '{run.TensorName}': {remark}");
        return true;
    }

    private bool EvaluateAll(DeviceRun run, long start, ArrayView1D<float, Stride1D.Dense>[] views)
    {
        for (int i = 0; i < offsets.Count; i++)
            if (!offsets[i].TryEvaluate(run, start, views[i])) return false;
        return true;
    }

    /// <summary>t, or null when it is not finite: the CPU refuses it (ModelStockRatioNotFinite) with its own message.</summary>
    private double? Ratio(double[] gram)
    {
        double ratio = ModelStock.Ratio(gram, offsets.Count);
        return double.IsFinite(ratio) ? ratio : null;
    }
}
