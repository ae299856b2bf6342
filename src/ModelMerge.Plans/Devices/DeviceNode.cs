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

    /// <summary>
    /// Writes elements [<paramref name="start"/>, start + destination.Length) of the tensor into
    /// <paramref name="destination"/>. Every node takes a part, whose length is a whole number of
    /// grid chunks except at the tensor's end: one that needs a whole-tensor statistic (a top-k
    /// cut, an L1 sum, SLERP's dot products) works it out on its first part, in passes over parts
    /// of that length, and remembers it in the <see cref="DeviceRun"/>.
    /// </summary>
    /// <returns>
    /// False when the CPU must compute the tensor instead: an input holds NaN or ±∞ (the CPU
    /// reports it, or merges it under -AllowNonFinite, exactly as it always does), or a setting
    /// the CPU refuses with its own error.
    /// </returns>
    public abstract bool TryEvaluate(DeviceRun run, long start, ArrayView1D<float, Stride1D.Dense> destination);
}
