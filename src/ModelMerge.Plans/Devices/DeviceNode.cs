using ILGPU;
using ILGPU.Runtime;

namespace ModelMerge.Plans.Devices;

/// <summary>
/// One node of a plan compiled for the GPU: it writes its whole tensor, in float32, into device
/// memory. A plan is compiled only when every node in it has a kernel, so a node never falls
/// back half way; the CPU computes any plan that does not compile.
/// </summary>
internal abstract class DeviceNode
{
    public abstract long Length { get; }

    /// <summary>Float32 buffers of <see cref="Length"/> elements this node allocates at its peak, its inputs' included, besides the destination.</summary>
    public abstract double ScratchBuffers { get; }

    /// <summary>Writes the tensor's values into <paramref name="destination"/>.</summary>
    /// <returns>
    /// False when the CPU must compute the tensor instead: an input holds NaN or ±∞ (the CPU
    /// reports it, or merges it under -AllowNonFinite, exactly as it always does), or a setting
    /// the CPU refuses with its own error.
    /// </returns>
    public abstract bool TryEvaluate(DeviceRun run, ArrayView1D<float, Stride1D.Dense> destination);
}
