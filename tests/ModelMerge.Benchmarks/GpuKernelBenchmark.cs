using System.Diagnostics;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ModelMerge.Compute.Cpu;
using ModelMerge.Compute.Gpu;
using ModelMerge.Methods;

namespace ModelMerge.Benchmarks;

/// <summary>
/// The device kernels alone, on tensors already in device memory: how close the linear, TIES,
/// breadcrumbs and DELLA kernels come to the device's memory bandwidth. The bandwidth is measured in the same run
/// (a device-to-device copy) and, on CUDA, also given from the memory clock and bus width.
/// A merge of three bf16 models must read 3·2 bytes and write 2 bytes per element; the
/// effective bandwidth counts only those bytes, so extra passes and float32 intermediates show
/// as a lower fraction.
///
///   dotnet run -c Release --project tests/ModelMerge.Benchmarks -- --gpu-kernels [--elements N] [--runs N] [--simulate]
/// </summary>
public static class GpuKernelBenchmark
{
    public const string Option = "--gpu-kernels";

    public static int Run(IReadOnlyList<string> args)
    {
        bool simulate = args.Contains("--simulate");
        long elements = simulate ? 1 << 18 : 64L << 20;
        int runs = 5;
        for (int i = 0; i < args.Count - 1; i++)
        {
            if (args[i] == "--elements" && long.TryParse(args[i + 1], out long n) && n > 0) elements = n;
            if (args[i] == "--runs" && int.TryParse(args[i + 1], out int r) && r > 0) runs = r;
        }

        string? reason = null;
        using var gpu = simulate ? GpuAccelerator.OpenSimulator() : GpuAccelerator.TryOpenCuda(out reason);
        if (gpu is null)
        {
            Console.Error.WriteLine($"No GPU to benchmark: {reason}. (--simulate runs the kernels on ILGPU's CPU accelerator, for a smoke run only.)");
            return 2;
        }
        Console.WriteLine($"GPU kernels on {gpu.Description}{(gpu.IsSimulated ? " (simulated: figures mean nothing)" : "")}, {elements:N0} elements, best of {runs}.");

        var accelerator = gpu.Accelerator;
        var random = new Random(5);
        ushort[] Bits() => Enumerable.Range(0, (int)elements).Select(_ => (ushort)(0x3C00 + random.Next(-3000, 3000))).ToArray();
        using var baseBits = accelerator.Allocate1D(Bits());
        using var ft1 = accelerator.Allocate1D(Bits());
        using var ft2 = accelerator.Allocate1D(Bits());
        using var packed = accelerator.Allocate1D<float>(3 * elements);
        using var merged = accelerator.Allocate1D<float>(elements);
        using var output = accelerator.Allocate1D<ushort>(elements);
        using var weights3 = accelerator.Allocate1D(new[] { 0.5, 0.3, 0.2 });
        using var weights2 = accelerator.Allocate1D(new[] { 1.0, 1.0 });
        var kernels = gpu.Kernels;

        double copy = Best(runs, accelerator, () => packed.View.SubView(0, 2 * elements).CopyTo(packed.View.SubView(elements, 2 * elements)));
        double copyBandwidth = 2 * (2 * elements * sizeof(float)) / copy;

        double linear = Best(runs, accelerator, () =>
        {
            kernels.WidenBFloat16(baseBits.View, packed.View.SubView(0, elements));
            kernels.WidenBFloat16(ft1.View, packed.View.SubView(elements, elements));
            kernels.WidenBFloat16(ft2.View, packed.View.SubView(2 * elements, elements));
            kernels.WeightedSum(packed.View, weights3.View, 1.0, 1.0, ArrayView<float>.Empty, merged.View);
            kernels.NarrowBFloat16(merged.View, output.View);
        });

        long k = (long)Math.Floor(0.2 * elements);
        double ties = Best(runs, accelerator, () =>
        {
            foreach (var (fineTuned, slot) in new[] { (ft1, 0L), (ft2, 1L) })
            {
                var vector = packed.View.SubView(slot * elements, elements);
                kernels.BFloat16Difference(fineTuned.View, baseBits.View, vector);
                kernels.ApplyMagnitudeCut(vector, kernels.FindTopKByMagnitude(vector, k), vector);
            }
            kernels.SignConsensusBFloat16(packed.View.SubView(0, 2 * elements), weights2.View, false, true, 1.0, baseBits.View, output.View);
        });

        // Breadcrumbs: two radix selects per task vector (the band's edges), then the band.
        var (_, top, bottom) = OutlierTrim.Counts(0.2, 0.01, elements, "benchmark");
        double breadcrumbs = Best(runs, accelerator, () =>
        {
            foreach (var (fineTuned, slot) in new[] { (ft1, 0L), (ft2, 1L) })
            {
                var vector = packed.View.SubView(slot * elements, elements);
                kernels.BFloat16Difference(fineTuned.View, baseBits.View, vector);
                kernels.ApplyMagnitudeBand(vector, kernels.FindRankBoundary(vector, bottom), kernels.FindRankBoundary(vector, elements - top), vector);
            }
            kernels.SignConsensusBFloat16(packed.View.SubView(0, 2 * elements), weights2.View, false, true, 1.0, baseBits.View, output.View);
        });

        // DELLA: every row of 2048 ranked by the sorting network, then drawn against its rank's limit.
        var rows = new RowLayout(elements / 2048, 2048, 1);
        using var limits = accelerator.Allocate1D(Array.ConvertAll(RankedDrop.KeepProbabilities(rows.RowLength, 0.3, 0.15), CounterRandom.KeepLimit));
        double della = Best(runs, accelerator, () =>
        {
            foreach (var (fineTuned, slot) in new[] { (ft1, 0L), (ft2, 1L) })
            {
                var vector = packed.View.SubView(slot * elements, rows.Length);
                kernels.BFloat16Difference(fineTuned.View, baseBits.View, packed.View.SubView(slot * elements, elements));
                kernels.RankedDrop(vector, rows, 0, key: 77, limits.View, merged.View.SubView(0, rows.Length));
                merged.View.SubView(0, rows.Length).CopyTo(vector);
            }
            kernels.SignConsensusBFloat16(packed.View.SubView(0, 2 * elements), weights2.View, false, true, 1.0, baseBits.View, output.View);
        });

        double mergeBytes = 4.0 * elements * sizeof(ushort);
        Console.WriteLine();
        Console.WriteLine("kernel                      time      GB/s (3 reads + 1 write of bf16)   of the measured copy bandwidth");
        Console.WriteLine($"device copy (baseline)  {copy * 1e3,8:F2} ms  {copyBandwidth / 1e9,8:F0}");
        Console.WriteLine($"linear, 3 models        {linear * 1e3,8:F2} ms  {mergeBytes / linear / 1e9,8:F0}   {mergeBytes / linear / copyBandwidth,8:P0}");
        Console.WriteLine($"ties, density 0.2       {ties * 1e3,8:F2} ms  {mergeBytes / ties / 1e9,8:F0}   {mergeBytes / ties / copyBandwidth,8:P0}");
        Console.WriteLine($"breadcrumbs_ties 0.2    {breadcrumbs * 1e3,8:F2} ms  {mergeBytes / breadcrumbs / 1e9,8:F0}   {mergeBytes / breadcrumbs / copyBandwidth,8:P0}");
        Console.WriteLine($"della 0.3 ± 0.15        {della * 1e3,8:F2} ms  {mergeBytes / della / 1e9,8:F0}   {mergeBytes / della / copyBandwidth,8:P0}");
        if (accelerator is CudaAccelerator cuda)
        {
            double peak = 2.0 * cuda.MemoryClockRate * 1000.0 * cuda.MemoryBusWidth / 8;
            Console.WriteLine($"Memory clock {cuda.MemoryClockRate / 1000} MHz × {cuda.MemoryBusWidth}-bit bus: {peak / 1e9:F0} GB/s peak; "
                + $"linear {mergeBytes / linear / peak:P0}, ties {mergeBytes / ties / peak:P0} of it.");
        }
        Transfers(gpu, baseBits.View, runs);
        return 0;
    }

    /// <summary>
    /// One bf16 tensor between pageable host memory (as a memory map is) and the device: a plain
    /// synchronous copy against the staged one through the page-locked buffers.
    /// </summary>
    private static void Transfers(GpuAccelerator gpu, ArrayView1D<ushort, Stride1D.Dense> device, int runs)
    {
        var accelerator = gpu.Accelerator;
        var host = new ushort[device.Length];
        new Random(9).NextBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(host.AsSpan()));
        var back = new ushort[device.Length];
        double bytes = device.Length * sizeof(ushort);

        double plainUpload = Best(runs, accelerator, () => device.CopyFromCPU(ref host[0], host.Length));
        double plainDownload = Best(runs, accelerator, () => device.CopyToCPU(ref back[0], back.Length));
        Console.WriteLine();
        Console.WriteLine($"transfer of {bytes / 1e6:F1} MB            time      GB/s");
        Console.WriteLine($"upload, plain copy      {plainUpload * 1e3,8:F2} ms  {bytes / plainUpload / 1e9,8:F1}");
        Console.WriteLine($"download, plain copy    {plainDownload * 1e3,8:F2} ms  {bytes / plainDownload / 1e9,8:F1}");
        if (gpu.Transfers is null)
        {
            Console.WriteLine($"staged transfers: none ({gpu.TransfersUnstagedReason})");
            return;
        }
        double stagedUpload = Best(runs, accelerator, () => gpu.Upload<ushort>(host, device));
        double stagedDownload = Best(runs, accelerator, () =>
        {
            int at = 0;
            gpu.Download(device, int.MaxValue, piece =>
            {
                piece.CopyTo(back.AsSpan(at));
                at += piece.Length;
            });
        });
        if (!back.AsSpan().SequenceEqual(host)) throw new InvalidOperationException("the staged round trip changed the tensor.");
        Console.WriteLine($"upload, staged          {stagedUpload * 1e3,8:F2} ms  {bytes / stagedUpload / 1e9,8:F1}   {plainUpload / stagedUpload,5:F2}× the plain copy");
        Console.WriteLine($"download, staged        {stagedDownload * 1e3,8:F2} ms  {bytes / stagedDownload / 1e9,8:F1}   {plainDownload / stagedDownload,5:F2}× the plain copy");
    }

    /// <summary>The best of <paramref name="runs"/> timings of <paramref name="work"/> after one warm-up (which compiles the kernels).</summary>
    private static double Best(int runs, Accelerator accelerator, Action work)
    {
        work();
        accelerator.Synchronize();
        double best = double.MaxValue;
        for (int run = 0; run < runs; run++)
        {
            var clock = Stopwatch.StartNew();
            work();
            accelerator.Synchronize();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return best;
    }
}
