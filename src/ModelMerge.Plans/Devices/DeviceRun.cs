using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Compute.Gpu;
using ModelMerge.Plans.Graph;

namespace ModelMerge.Plans.Devices;

/// <summary>What a compiled plan needs while it runs on the device: the GPU, the tensor's name (it keys DARE's draws) and the plan context.</summary>
internal sealed class DeviceRun(GpuAccelerator gpu, string tensorName, PlanContext context)
{
    public GpuAccelerator Gpu { get; } = gpu;

    public GpuKernels Kernels => Gpu.Kernels;

    public string TensorName { get; } = tensorName;

    public PlanContext Context { get; } = context;

    public MemoryBuffer1D<T, Stride1D.Dense> Allocate<T>(long length) where T : unmanaged => Gpu.Accelerator.Allocate1D<T>(length);

    /// <summary>
    /// True when the stored inputs were checked for NaN and ±∞ before the tensor was split into
    /// pieces: the per-piece checks are then redundant, and a piece could not hand the tensor back.
    /// </summary>
    public bool InputsChecked { get; init; }

    /// <summary>Evaluates elements [start, start + n) of <paramref name="nodes"/> back to back into one buffer (node i at [i·n, (i+1)·n)), the layout the combining kernels read.</summary>
    public MemoryBuffer1D<float, Stride1D.Dense>? Pack(IReadOnlyList<DeviceNode> nodes, long start, long n)
    {
        var packed = Allocate<float>(nodes.Count * n);
        for (int i = 0; i < nodes.Count; i++)
        {
            if (nodes[i].TryEvaluate(this, start, packed.View.SubView(i * n, n))) continue;
            packed.Dispose();
            return null;
        }
        return packed;
    }

    private readonly Dictionary<DeviceNode, object> _remembered = [];

    /// <summary>
    /// What <paramref name="node"/> worked out once for this tensor (a cut found over all its
    /// pieces), computed on the first call; later pieces reuse it. False when the computation refused.
    /// </summary>
    public bool TryRemember<T>(DeviceNode node, Func<T?> compute, out T value) where T : struct
    {
        if (_remembered.TryGetValue(node, out object? known))
        {
            value = (T)known;
            return true;
        }
        if (compute() is not T computed)
        {
            value = default;
            return false;
        }
        _remembered[node] = computed;
        value = computed;
        return true;
    }

    /// <summary>Whether every element of <paramref name="values"/> is finite.</summary>
    public bool AllFinite(ArrayView1D<float, Stride1D.Dense> values) => InputsChecked || Kernels.CountNonFinite(values) == 0;
}
