using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Formats;
using ModelMerge.Formats.Safetensors;

namespace ModelMerge.Plans.Devices;

/// <summary>A stored tensor uploaded as it is stored (bf16 and f16 move at half the bytes of float32) and widened on the device.</summary>
internal sealed class StoredDeviceNode(TensorInfo tensor) : DeviceNode
{
    /// <summary>Pieces of at most 1 GiB: a span addresses at most 2 GiB, and an embedding of a large vocabulary is more.</summary>
    private const int UploadBytes = 1 << 30;

    public TensorInfo Tensor => tensor;

    public override long Length => tensor.ElementCount;

    public override double ScratchBuffers => tensor.DType == DType.F32 ? 0 : 0.5;

    public static bool Supports(TensorInfo tensor) => tensor.DType is DType.BF16 or DType.F16 or DType.F32;

    public override bool TryEvaluate(DeviceRun run, long start, ArrayView1D<float, Stride1D.Dense> destination)
    {
        if (tensor.DType == DType.F32)
        {
            Upload(run, start, destination);
        }
        else
        {
            using var bits = run.Allocate<ushort>(destination.Length);
            Upload(run, start, bits.View);
            if (tensor.DType == DType.BF16) run.Kernels.WidenBFloat16(bits.View, destination);
            else run.Kernels.WidenHalf(bits.View, destination);
        }
        return run.AllFinite(destination);
    }

    /// <summary>Copies elements [start, start + destination.Length) as stored into <paramref name="destination"/>; notes the file as read.</summary>
    public void Upload<T>(DeviceRun run, long start, ArrayView1D<T, Stride1D.Dense> destination) where T : unmanaged
    {
        run.Context.Read(tensor);
        using var stored = run.Context.StoredTensors.Acquire(tensor);
        var mapped = stored.Stored!;
        int size = Marshal.SizeOf<T>();
        long first = start * size, end = (start + destination.Length) * size;
        for (long offset = first; offset < end; offset += UploadBytes)
        {
            int length = (int)Math.Min(UploadBytes, end - offset);
            var piece = MemoryMarshal.Cast<byte, T>(mapped.Bytes(offset, length));
            // Returns once the device holds the piece, so the map may go right after.
            run.Gpu.Upload<T>(piece, destination.SubView((offset - first) / size, piece.Length));
        }
        mapped.Release(start, start + destination.Length);
    }
}
