using ModelMerge.Compute.Gpu;
using ModelMerge.Plans.Graph;

namespace ModelMerge.Plans.Devices;

/// <summary>What a compiled plan needs while it runs on the device: the GPU and the plan context (maps, reads, non-finite policy).</summary>
internal sealed class DeviceRun(GpuAccelerator gpu, PlanContext context)
{
    public GpuAccelerator Gpu { get; } = gpu;

    public PlanContext Context { get; } = context;
}
