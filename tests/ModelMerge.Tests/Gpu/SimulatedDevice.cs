using ModelMerge.Compute.Gpu;

namespace ModelMerge.Tests.Gpu;

/// <summary>
/// One simulated accelerator for all GPU kernel tests: kernels compile once per accelerator, and
/// ILGPU's CPU accelerator runs them exactly (thousands of times slower than a GPU, so inputs stay small).
/// On a machine with a GPU, MODELMERGE_TEST_DEVICE=cuda runs the same tests on it instead.
/// </summary>
public sealed class SimulatedDevice : IDisposable
{
    public GpuAccelerator Gpu { get; } = Open();

    private static GpuAccelerator Open()
    {
        if (!string.Equals(Environment.GetEnvironmentVariable("MODELMERGE_TEST_DEVICE"), "cuda", StringComparison.OrdinalIgnoreCase))
            return GpuAccelerator.OpenSimulator();
        return GpuAccelerator.TryOpenCuda(out string? reason)
            ?? throw new InvalidOperationException($"MODELMERGE_TEST_DEVICE=cuda, but {reason}.");
    }

    public void Dispose() => Gpu.Dispose();
}

[CollectionDefinition(Name)]
public sealed class SimulatedDeviceCollection : ICollectionFixture<SimulatedDevice>
{
    public const string Name = "simulated GPU";
}
