using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace ModelMerge.Compute.Gpu;

/// <summary>
/// One ILGPU context and accelerator, created once and shared by every tensor of every export
/// in a session: creating a CUDA context costs far more than merging a small tensor. Kernels are
/// compiled once per accelerator, on first use (<see cref="GpuKernels"/>).
/// </summary>
public sealed class GpuAccelerator : IDisposable
{
    private readonly Context _context;
    private GpuKernels? _kernels;

    private GpuAccelerator(Context context, Accelerator accelerator, bool simulated)
    {
        _context = context;
        Accelerator = accelerator;
        IsSimulated = simulated;
    }

    public Accelerator Accelerator { get; }

    /// <summary>True for ILGPU's CPU accelerator: it runs the kernels exactly but thousands of times slower, so only tests use it.</summary>
    public bool IsSimulated { get; }

    /// <summary>The device, as its driver names it, with its memory.</summary>
    public string Description => IsSimulated ? "ILGPU's CPU simulator" : $"{Accelerator.Name} ({Accelerator.MemorySize / (1024.0 * 1024 * 1024):F1} GiB)";

    public GpuKernels Kernels => _kernels ??= new GpuKernels(Accelerator);

    /// <summary>The first CUDA device, or null with the reason there is none (no driver, no device, a failure to start it).</summary>
    public static GpuAccelerator? TryOpenCuda(out string? reason)
    {
        Context? context = null;
        try
        {
            context = Context.Create(builder => builder.Cuda().EnableAlgorithms());
            var devices = context.GetCudaDevices();
            if (devices.Count == 0)
            {
                context.Dispose();
                reason = "ILGPU finds no CUDA device (no NVIDIA GPU, or no CUDA driver)";
                return null;
            }
            reason = null;
            return new GpuAccelerator(context, devices[0].CreateAccelerator(context), simulated: false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            context?.Dispose();
            reason = $"the CUDA device could not be started: {ex.Message}";
            return null;
        }
    }

    /// <summary>ILGPU's CPU accelerator, which simulates GPU threads: the kernels' tests run on it where no GPU is.</summary>
    public static GpuAccelerator OpenSimulator()
    {
        var context = Context.Create(builder => builder.CPU().EnableAlgorithms());
        return new GpuAccelerator(context, context.GetCPUDevice(0).CreateAccelerator(context), simulated: true);
    }

    public void Dispose()
    {
        Accelerator.Dispose();
        _context.Dispose();
    }
}
