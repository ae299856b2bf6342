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

    public override bool TryEvaluate(DeviceRun run, ArrayView1D<float, Stride1D.Dense> destination)
    {
        if (tensor.DType == DType.F32)
        {
            Upload(run, destination);
        }
        else
        {
            using var bits = run.Allocate<ushort>(tensor.ElementCount);
            Upload(run, bits.View);
            if (tensor.DType == DType.BF16) run.Kernels.WidenBFloat16(bits.View, destination);
            else run.Kernels.WidenHalf(bits.View, destination);
        }
        return run.AllFinite(destination);
    }

    /// <summary>Copies the stored bytes, as they are, into <paramref name="destination"/>; notes the file as read.</summary>
    public void Upload<T>(DeviceRun run, ArrayView1D<T, Stride1D.Dense> destination) where T : unmanaged
    {
        run.Context.Read(tensor);
        using var stored = run.Context.StoredTensors.Acquire(tensor);
        var mapped = stored.Stored!;
        int size = Marshal.SizeOf<T>();
        for (long offset = 0; offset < tensor.ByteLength; offset += UploadBytes)
        {
            int length = (int)Math.Min(UploadBytes, tensor.ByteLength - offset);
            var piece = MemoryMarshal.Cast<byte, T>(mapped.Bytes(offset, length));
            destination.SubView(offset / size, piece.Length).CopyFromCPU(ref MemoryMarshal.GetReference(piece), piece.Length);
        }
        // The copy may still be reading the map: it must finish before the map can go.
        run.Gpu.Accelerator.Synchronize();
        mapped.Release(0, tensor.ElementCount);
    }
}
