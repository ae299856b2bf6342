using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Compute.Gpu;
using ModelMerge.Compute;
using ModelMerge.Formats;
using ModelMerge.Formats.Numerics;
using ModelMerge.Formats.Safetensors;
using ModelMerge.Plans.Graph;

namespace ModelMerge.Plans.Devices;

/// <summary>
/// Computes tensors on the GPU: the plan's stored inputs are uploaded as stored, every node runs
/// as a kernel in device memory, the result is rounded to the output type on the device and only
/// those bytes come back. A tensor whose buffers would not fit in device memory is computed in
/// pieces of whole grid chunks, its whole-tensor statistics first found in passes over them. A
/// plan without kernels for all its nodes, or inputs holding NaN or ±∞, are computed by the CPU
/// instead, so the output is the same whichever computed it.
/// </summary>
/// <param name="memoryBudget">Bytes one tensor's device buffers may take; by default three quarters of device memory (the rest is the driver's and the kernels').</param>
internal sealed class GpuTensorExecutor(GpuAccelerator gpu, long? memoryBudget = null)
{
    private readonly long _budget = memoryBudget ?? gpu.Accelerator.MemorySize / 4 * 3;

    public GpuAccelerator Gpu => gpu;

    /// <summary>Tensors the GPU computed so far (the CPU computed or copied the others).</summary>
    public int Computed { get; private set; }

    /// <summary>Computes <paramref name="output"/> and hands its bytes, in blocks, to <paramref name="write"/>.</summary>
    /// <returns>False when the CPU must compute this tensor (nothing was written).</returns>
    public bool TryWrite(ITensorPlan plan, OutputTensor output, PlanContext context, Func<int, byte[]> rent, Action<byte[], int> write, int blockBytes)
    {
        if (output.DType is not (DType.BF16 or DType.F16 or DType.F32)) return false;
        if (DevicePlanCompiler.Compile(plan) is not DeviceNode node || node.Length == 0) return false;
        // Per element: the destination, the scratch, and the 16-bit result on its way back.
        long bytesPerElement = (long)Math.Ceiling((node.ScratchBuffers + 1.5) * sizeof(float));
        long piece = node.Length;
        if (bytesPerElement * node.Length > _budget)
        {
            piece = _budget / bytesPerElement / ChunkGrid.ChunkElements * ChunkGrid.ChunkElements;
            if (piece == 0) return false;
        }

        try
        {
            // Pieces are written as they are computed, so a NaN found in a later one could no longer
            // hand the tensor to the CPU: a split tensor's stored inputs are checked before it starts.
            bool split = piece < node.Length;
            if (split && !StoredInputsFinite(plan, context)) return false;
            var run = new DeviceRun(gpu, output.Name, context) { InputsChecked = split };
            for (long start = 0; start < node.Length; start += piece)
            {
                using var values = gpu.Accelerator.Allocate1D<float>(Math.Min(piece, node.Length - start));
                if (!node.TryEvaluate(run, start, values.View))
                {
                    if (start == 0) return false;
                    throw new InvalidOperationException($"tensor '{output.Name}': a later piece refused what the first accepted.");
                }
                WriteBack(values.View, output.DType, rent, write, blockBytes);
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

    /// <summary>Rounds <paramref name="values"/> to the output type on the device and hands the bytes to the writer.</summary>
    private void WriteBack(ArrayView1D<float, Stride1D.Dense> values, DType dtype, Func<int, byte[]> rent, Action<byte[], int> write, int blockBytes)
    {
        if (dtype == DType.F32)
        {
            Download(values, rent, write, blockBytes);
            return;
        }
        using var bits = gpu.Accelerator.Allocate1D<ushort>(values.Length);
        if (dtype == DType.F16) gpu.Kernels.NarrowHalf(values, bits.View);
        else gpu.Kernels.NarrowBFloat16(values, bits.View);
        Download(bits.View, rent, write, blockBytes);
    }

    /// <summary>Whether every stored input of <paramref name="plan"/> is free of NaN and ±∞, read a piece at a time.</summary>
    private static bool StoredInputsFinite(ITensorPlan plan, PlanContext context)
    {
        const int pieceElements = 4 << 20;
        foreach (var tensor in StoredInputs.Of(plan))
        {
            using var stored = context.StoredTensors.Acquire(tensor);
            for (long start = 0; start < tensor.ElementCount; start += pieceElements)
            {
                int count = (int)Math.Min(pieceElements, tensor.ElementCount - start);
                stored.Stored!.ReadAhead(start + count, start + 2L * count);
                using var bytes = stored.Stored.ReadElements(start, count);
                if (!NonFiniteElements.AllFinite(tensor.DType, bytes.Span)) return false;
            }
        }
        return true;
    }

    /// <summary>Brings <paramref name="source"/> back in blocks of at most <paramref name="blockBytes"/>, each block's copy overlapping the next one's transfer.</summary>
    private void Download<T>(ArrayView1D<T, Stride1D.Dense> source, Func<int, byte[]> rent, Action<byte[], int> write, int blockBytes) where T : unmanaged
    {
        gpu.Download(source, blockBytes / Marshal.SizeOf<T>(), piece =>
        {
            var bytes = MemoryMarshal.AsBytes(piece);
            var block = rent(bytes.Length);
            bytes.CopyTo(block);
            write(block, bytes.Length);
        });
    }
}
