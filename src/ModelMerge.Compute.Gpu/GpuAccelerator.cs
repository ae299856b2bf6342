using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using System.Runtime.InteropServices;

namespace ModelMerge.Compute.Gpu;

/// <summary>
/// One ILGPU context and accelerator, created once and shared by every tensor of every export
/// in a session: creating a CUDA context costs far more than merging a small tensor. Kernels are
/// compiled once per accelerator, on first use (<see cref="GpuKernels"/>).
/// </summary>
public sealed class GpuAccelerator : IDisposable
{
    private readonly Context _context;
    private readonly object _transfersGate = new();
    private GpuKernels? _kernels;
    private StagedTransfers? _transfers;
    private bool _transfersTried;

    private GpuAccelerator(Context context, Accelerator accelerator, bool simulated, int transferPieceBytes)
    {
        _context = context;
        Accelerator = accelerator;
        IsSimulated = simulated;
        TransferPieceBytes = transferPieceBytes;
    }

    public Accelerator Accelerator { get; }

    /// <summary>True for ILGPU's CPU accelerator: it runs the kernels exactly but thousands of times slower, so only tests use it.</summary>
    public bool IsSimulated { get; }

    /// <summary>The device, as its driver names it, with its memory.</summary>
    public string Description => IsSimulated ? "ILGPU's CPU simulator" : $"{Accelerator.Name} ({Accelerator.MemorySize / (1024.0 * 1024 * 1024):F1} GiB)";

    public GpuKernels Kernels => _kernels ??= new GpuKernels(Accelerator);

    /// <summary>Bytes per staged transfer piece; tests make it small so that tensors cross in many pieces.</summary>
    public int TransferPieceBytes { get; }

    /// <summary>Why transfers are not staged (null while they are, or before the first transfer).</summary>
    public string? TransfersUnstagedReason { get; private set; }

    /// <summary>
    /// The page-locked staging buffers every transfer goes through, allocated on the first
    /// transfer and kept; null when the system refuses page-locked memory, and transfers then
    /// copy synchronously from pageable memory.
    /// </summary>
    public StagedTransfers? Transfers
    {
        get
        {
            lock (_transfersGate)
            {
                if (_transfersTried) return _transfers;
                _transfersTried = true;
                _transfers = StagedTransfers.TryCreate(Accelerator, TransferPieceBytes, out string? reason);
                TransfersUnstagedReason = reason;
                return _transfers;
            }
        }
    }

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/>, staged when it can be; returns once the device holds it.</summary>
    public void Upload<T>(ReadOnlySpan<T> source, ArrayView1D<T, Stride1D.Dense> destination) where T : unmanaged
    {
        if (Transfers is { } staged)
        {
            staged.Upload(source, destination);
            return;
        }
        destination.CopyFromCPU(ref MemoryMarshal.GetReference(source), source.Length);
        Accelerator.Synchronize();
    }

    /// <summary>
    /// Fills <paramref name="destination"/> from <paramref name="fill"/>, which writes each piece straight into a staging buffer
    /// when there are staging buffers and into a plain host buffer otherwise; returns once the device holds it.
    /// </summary>
    public void Upload<T>(ArrayView1D<T, Stride1D.Dense> destination, StagedFill<T> fill) where T : unmanaged
    {
        if (Transfers is { } staged)
        {
            staged.Upload(destination, fill);
            return;
        }
        int perPiece = TransferPieceBytes / Marshal.SizeOf<T>();
        var buffer = new T[(int)Math.Min(perPiece, destination.Length)];
        for (long start = 0; start < destination.Length; start += perPiece)
        {
            int count = (int)Math.Min(perPiece, destination.Length - start);
            fill(start, buffer.AsSpan(0, count));
            destination.SubView(start, count).CopyFromCPU(ref buffer[0], count);
        }
        Accelerator.Synchronize();
    }

    /// <summary>Copies <paramref name="source"/> to the host in pieces of at most <paramref name="piece"/> elements, each handed to <paramref name="consume"/>.</summary>
    public void Download<T>(ArrayView1D<T, Stride1D.Dense> source, int piece, StagedPieceAction<T> consume) where T : unmanaged
    {
        if (Transfers is { } staged)
        {
            staged.Download(source, piece, consume);
            return;
        }
        Accelerator.Synchronize();
        var buffer = new T[(int)Math.Min(piece, source.Length)];
        for (long start = 0; start < source.Length; start += piece)
        {
            int count = (int)Math.Min(piece, source.Length - start);
            source.SubView(start, count).CopyToCPU(ref buffer[0], count);
            consume(buffer.AsSpan(0, count));
        }
    }

    /// <summary>The first CUDA device, or null with the reason there is none (no driver, no device, a failure to start it).</summary>
    public static GpuAccelerator? TryOpenCuda(out string? reason, int transferPieceBytes = StagedTransfers.DefaultPieceBytes)
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
            return new GpuAccelerator(context, devices[0].CreateAccelerator(context), simulated: false, transferPieceBytes);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            context?.Dispose();
            reason = $"the CUDA device could not be started: {ex.Message}";
            return null;
        }
    }

    /// <summary>ILGPU's CPU accelerator, which simulates GPU threads: the kernels' tests run on it where no GPU is.</summary>
    public static GpuAccelerator OpenSimulator(int transferPieceBytes = StagedTransfers.DefaultPieceBytes)
    {
        var context = Context.Create(builder => builder.CPU().EnableAlgorithms());
        return new GpuAccelerator(context, context.GetCPUDevice(0).CreateAccelerator(context), simulated: true, transferPieceBytes);
    }

    public void Dispose()
    {
        _transfers?.Dispose();
        Accelerator.Dispose();
        _context.Dispose();
    }
}
