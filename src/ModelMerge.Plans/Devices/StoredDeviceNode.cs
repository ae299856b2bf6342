using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Formats;

namespace ModelMerge.Plans.Devices;

/// <summary>A stored tensor uploaded as it is stored (bf16 bits move at half the bytes of float32) and widened on the device.</summary>
internal sealed class StoredDeviceNode(TensorInfo tensor) : DeviceNode
{
    public override long Length => tensor.ElementCount;

    public override long PeakBuffers => 2;

    public static bool Supports(TensorInfo tensor) => tensor.DType is DType.BF16 or DType.F32;

    /// <summary>Pieces of at most 1 GiB: a span addresses at most 2 GiB, and an embedding of a large vocabulary is more.</summary>
    private const int UploadBytes = 1 << 30;

    private static void Upload<T>(Formats.Safetensors.MappedTensor mapped, ArrayView1D<T, Stride1D.Dense> destination) where T : unmanaged
    {
        int size = Marshal.SizeOf<T>();
        for (long offset = 0; offset < mapped.Info.ByteLength; offset += UploadBytes)
        {
            int length = (int)Math.Min(UploadBytes, mapped.Info.ByteLength - offset);
            var piece = MemoryMarshal.Cast<byte, T>(mapped.Bytes(offset, length));
            destination.SubView(offset / size, piece.Length).CopyFromCPU(ref MemoryMarshal.GetReference(piece), piece.Length);
        }
    }

    public override MemoryBuffer1D<float, Stride1D.Dense>? Evaluate(DeviceRun run)
    {
        run.Context.Read(tensor);
        using var stored = run.Context.StoredTensors.Acquire(tensor);
        var mapped = stored.Stored!;
        var accelerator = run.Gpu.Accelerator;
        var values = accelerator.Allocate1D<float>(tensor.ElementCount);
        try
        {
            if (tensor.DType == DType.F32)
            {
                Upload(mapped, values.View);
            }
            else
            {
                using var bits = accelerator.Allocate1D<ushort>(tensor.ElementCount);
                Upload(mapped, bits.View);
                run.Gpu.Kernels.WidenBFloat16(bits.View, values.View);
            }
            // NaN or ±∞ anywhere: the CPU computes this tensor instead, and refuses it or warns as -AllowNonFinite says.
            if (run.Gpu.Kernels.CountNonFinite(values.View) == 0) return values;
            values.Dispose();
            return null;
        }
        catch
        {
            values.Dispose();
            throw;
        }
    }
}
