using ModelMerge.Compute.Gpu;

namespace ModelMerge.Tests.Gpu;

/// <summary>
/// One simulated accelerator for all GPU kernel tests: kernels compile once per accelerator, and
/// ILGPU's CPU accelerator runs them exactly (thousands of times slower than a GPU, so inputs stay small).
/// </summary>
public sealed class SimulatedDevice : IDisposable
{
    public GpuAccelerator Gpu { get; } = GpuAccelerator.OpenSimulator();

    public void Dispose() => Gpu.Dispose();
}

[CollectionDefinition(Name)]
public sealed class SimulatedDeviceCollection : ICollectionFixture<SimulatedDevice>
{
    public const string Name = "simulated GPU";
}
