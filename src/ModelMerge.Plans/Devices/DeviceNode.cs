using ILGPU;
using ILGPU.Runtime;

namespace ModelMerge.Plans.Devices;

/// <summary>
/// One node of a plan compiled for the GPU: it produces its whole tensor in float32 in device
/// memory. A plan is compiled only when every node in it has a kernel, so a node never falls
/// back half way; the CPU computes any plan that does not compile.
/// </summary>
internal abstract class DeviceNode
{
    public abstract long Length { get; }

    /// <summary>The tensor's values on the device; the caller disposes the buffer.</summary>
    /// <returns>Null when an input holds NaN or ±∞: the CPU path then reports exactly where, as it always does.</returns>
    public abstract MemoryBuffer1D<float, Stride1D.Dense>? Evaluate(DeviceRun run);

    /// <summary>Float32 buffers this node holds on the device at its peak, counting its inputs': the run refuses plans that would not fit.</summary>
    public abstract long PeakBuffers { get; }
}
