using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Compute.Gpu;
using ModelMerge.Formats;
using ModelMerge.Formats.Safetensors;
using ModelMerge.Plans.Graph;

namespace ModelMerge.Plans.Devices;

/// <summary>
/// Computes whole tensors on the GPU: the plan's stored inputs are uploaded as stored, every
/// node runs as a kernel in device memory, the result is rounded to the output type on the
/// device and only those bytes come back. A plan without kernels for all its nodes, a tensor
/// whose buffers would not fit in device memory, or inputs holding NaN or ±∞ are computed by
/// the CPU instead, so the output is the same whichever computed it.
/// </summary>
internal sealed class GpuTensorExecutor(GpuAccelerator gpu)
{
    /// <summary>The share of device memory one tensor's buffers may take; the rest is the driver's and the kernels'.</summary>
    private const double MemoryShare = 0.75;

    public GpuAccelerator Gpu => gpu;

    /// <summary>Tensors the GPU computed so far (the CPU computed or copied the others).</summary>
    public int Computed { get; private set; }

    /// <summary>Computes <paramref name="output"/> and hands its bytes, in blocks, to <paramref name="write"/>.</summary>
    /// <returns>False when the CPU must compute this tensor (nothing was written).</returns>
    public bool TryWrite(ITensorPlan plan, OutputTensor output, PlanContext context, Func<int, byte[]> rent, Action<byte[], int> write, int blockBytes)
    {
        if (output.DType is not (DType.BF16 or DType.F32)) return false;
        if (DevicePlanCompiler.Compile(plan) is not DeviceNode node || node.Length == 0) return false;
        // The destination, the scratch, and the bf16 result on its way back.
        if ((node.ScratchBuffers + 1.5) * node.Length * sizeof(float) > gpu.Accelerator.MemorySize * MemoryShare) return false;

        try
        {
            using var values = gpu.Accelerator.Allocate1D<float>(node.Length);
            if (!node.TryEvaluate(new DeviceRun(gpu, output.Name, context), values.View)) return false;
            if (output.DType == DType.F32)
            {
                Download(values.View, rent, write, blockBytes);
            }
            else
            {
                using var bits = gpu.Accelerator.Allocate1D<ushort>(values.Length);
                gpu.Kernels.NarrowBFloat16(values.View, bits.View);
                Download(bits.View, rent, write, blockBytes);
            }
            Computed++;
            return true;
        }
        catch (Exception ex) when (ex is AcceleratorException || ex.Source?.StartsWith("ILGPU", StringComparison.Ordinal) == true)
        {
            // The export stops and its staging folder is removed: a device that fails mid-merge never leaves a partial checkpoint.
            throw new PlanException("DeviceFailed", $"the GPU ({gpu.Description}) failed while computing tensor '{output.Name}': {ex.Message}. Nothing was written to the target; -Device Cpu computes on the CPU.", output.Name, ex);
        }
    }

    private void Download<T>(ArrayView1D<T, Stride1D.Dense> source, Func<int, byte[]> rent, Action<byte[], int> write, int blockBytes) where T : unmanaged
    {
        gpu.Accelerator.Synchronize();
        int size = Marshal.SizeOf<T>();
        int perBlock = blockBytes / size;
        for (long start = 0; start < source.Length; start += perBlock)
        {
            int count = (int)Math.Min(perBlock, source.Length - start);
            var block = rent(count * size);
            var target = MemoryMarshal.Cast<byte, T>(block.AsSpan(0, count * size));
            source.SubView(start, count).CopyToCPU(ref MemoryMarshal.GetReference(target), count);
            write(block, count * size);
        }
    }
}
