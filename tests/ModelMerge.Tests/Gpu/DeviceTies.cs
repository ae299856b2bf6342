using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Compute.Gpu;
using ModelMerge.Methods;

namespace ModelMerge.Tests.Gpu;

/// <summary>A whole TIES tensor on the device, as an integrator would chain the kernels: trim and rescale each task vector, then combine.</summary>
internal static class DeviceTies
{
    public static float[] Merge(GpuAccelerator gpu, float[]? baseValues, float[][] taskVectors, double[] weights, double density, Rescale rescale,
        SignRule rule, bool normalize, double lambda)
    {
        var accelerator = gpu.Accelerator;
        var kernels = gpu.Kernels;
        int n = taskVectors[0].Length;
        using var deltas = accelerator.Allocate1D<float>((long)taskVectors.Length * n);
        for (int i = 0; i < taskVectors.Length; i++)
        {
            var trimmed = deltas.View.SubView((long)i * n, n);
            using var tau = accelerator.Allocate1D(taskVectors[i]);
            if (density >= 1)
            {
                tau.View.CopyTo(trimmed);
                continue;
            }
            var cut = kernels.FindTopKByMagnitude(tau.View, MagnitudeTrim.KeepCount(density, n, "w"));
            kernels.ApplyMagnitudeCut(tau.View, cut, trimmed);
            kernels.Scale(trimmed, rescale switch
            {
                Rescale.L1 => kernels.L1RescaleFactor(tau.View, trimmed),
                Rescale.Inverse => (float)(1.0 / density),
                _ => 1f,
            });
        }
        using var weightBuffer = accelerator.Allocate1D(weights);
        // ILGPU refuses a zero-length buffer; an empty view is how the kernel is told there is no base.
        using var baseBuffer = baseValues is null ? null : accelerator.Allocate1D(baseValues);
        using var output = accelerator.Allocate1D<float>(n);
        kernels.SignConsensus(deltas.View, weightBuffer.View, rule == SignRule.Count, normalize, lambda,
            baseBuffer?.View ?? ArrayView<float>.Empty, output.View);
        return output.GetAsArray1D();
    }

    public static ushort[] NarrowBFloat16(GpuAccelerator gpu, float[] values)
    {
        using var source = gpu.Accelerator.Allocate1D(values);
        using var narrowed = gpu.Accelerator.Allocate1D<ushort>(values.Length);
        gpu.Kernels.NarrowBFloat16(source.View, narrowed.View);
        return narrowed.GetAsArray1D();
    }
}
