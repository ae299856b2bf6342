using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Methods;

namespace ModelMerge.Plans.Devices;

/// <summary>
/// ram and ramplus_tl (<c>ReinforcedAgentMerge</c>): for ramplus_tl the tensor's counts of shared
/// and unique active values first (exact integers, whole or from a pass over every piece), each
/// model's λ on the host, then the elementwise combine.
/// </summary>
internal sealed class RamDeviceNode(DeviceNode baseTensor, IReadOnlyList<DeviceNode> taskVectors, ReinforcedAgentMerge ram) : DeviceNode
{
    public override long Length => baseTensor.Length;

    public override double ScratchBuffers => taskVectors.Count + 1 + Math.Max(baseTensor.ScratchBuffers, taskVectors.Max(t => t.ScratchBuffers));

    public override bool TryEvaluate(DeviceRun run, long start, ArrayView1D<float, Stride1D.Dense> destination)
    {
        int k = taskVectors.Count;
        long n = destination.Length;
        // A piece's counts come first, before its own buffers are taken.
        var scales = default(Scales);
        if (ram.Boost is not null && n != Length && !run.TryRemember(this, () => ScalesInPieces(run, n), out scales)) return false;
        using var taus = run.Pack(taskVectors, start, n);
        if (taus is null) return false;
        if (ram.Boost is null) scales = new Scales(ram.Scales(k, []));
        else if (n == Length)
        {
            var counts = new long[2 * k];
            run.Kernels.AddRamOverlap(taus.View, k, n, ram.Epsilon, counts);
            scales = new Scales(ram.Scales(k, Array.ConvertAll(counts, c => (double)c)));
        }

        using var baseValues = run.Allocate<float>(n);
        if (!baseTensor.TryEvaluate(run, start, baseValues.View)) return false;
        using var deviceScales = run.Gpu.Accelerator.Allocate1D(scales.Values);
        run.Kernels.RamCombine(taus.View, deviceScales.View, ram.Epsilon, baseValues.View, destination);
        return true;
    }

    private Scales? ScalesInPieces(DeviceRun run, long piece)
    {
        int k = taskVectors.Count;
        var counts = new long[2 * k];
        for (long first = 0; first < Length; first += piece)
        {
            long count = Math.Min(piece, Length - first);
            using var taus = run.Pack(taskVectors, first, count);
            if (taus is null) return null;
            run.Kernels.AddRamOverlap(taus.View, k, count, ram.Epsilon, counts);
        }
        return new Scales(ram.Scales(k, Array.ConvertAll(counts, c => (double)c)));
    }

    private readonly record struct Scales(double[] Values);
}
