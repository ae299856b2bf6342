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
    /// Whether any range of the tensor can be computed on its own: no whole-tensor reduction (a
    /// top-k cut, an L1 sum, SLERP's norms) in this node or its inputs. Such plans can be computed
    /// piece by piece when the whole tensor does not fit in device memory.
    /// </summary>
    public abstract bool Elementwise { get; }

    /// <summary>Writes elements [<paramref name="start"/>, start + destination.Length) of the tensor into <paramref name="destination"/>; only an <see cref="Elementwise"/> node takes a part.</summary>
    /// <returns>
    /// False when the CPU must compute the tensor instead: an input holds NaN or ±∞ (the CPU
    /// reports it, or merges it under -AllowNonFinite, exactly as it always does), or a setting
    /// the CPU refuses with its own error.
    /// </returns>
    public abstract bool TryEvaluate(DeviceRun run, long start, ArrayView1D<float, Stride1D.Dense> destination);
}
