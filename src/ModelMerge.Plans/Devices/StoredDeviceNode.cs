using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Formats;
using ModelMerge.Formats.Safetensors;

namespace ModelMerge.Plans.Devices;

/// <summary>A stored tensor uploaded as it is stored (bf16 and f16 move at half the bytes of float32) and widened on the device.</summary>
internal sealed class StoredDeviceNode(TensorInfo tensor) : DeviceNode
{
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
        var reader = stored.Stored!;
        int size = Marshal.SizeOf<T>();
        // Each piece is read from the file straight into the staging buffer that crosses the bus.
        run.Gpu.Upload(destination, (offset, piece) =>
        {
            long first = start + offset;
            reader.ReadAhead(first + piece.Length, first + 2L * piece.Length);
            reader.Read(first * size, MemoryMarshal.AsBytes(piece));
        });
    }
}
