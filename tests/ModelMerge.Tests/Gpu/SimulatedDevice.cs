using ModelMerge.Compute.Gpu;

namespace ModelMerge.Tests.Gpu;

/// <summary>
/// One simulated accelerator for all GPU kernel tests: kernels compile once per accelerator, and
/// ILGPU's CPU accelerator runs them exactly (thousands of times slower than a GPU, so inputs stay small).
/// On a machine with a GPU, MODELMERGE_TEST_DEVICE=cuda runs the same tests on it instead.
/// </summary>
public sealed class SimulatedDevice : IDisposable
{
    /// <summary>
    /// Staged transfers in pieces of 40,000 bytes (10,000 floats, 20,000 bf16 values), so the
    /// tests' tensors cross in many pieces and a last, partial one.
    /// </summary>
    public const int TransferPieceBytes = 40_000;

    public GpuAccelerator Gpu { get; } = Open();

    private static GpuAccelerator Open()
    {
        if (!string.Equals(Environment.GetEnvironmentVariable("MODELMERGE_TEST_DEVICE"), "cuda", StringComparison.OrdinalIgnoreCase))
            return GpuAccelerator.OpenSimulator(TransferPieceBytes);
        return GpuAccelerator.TryOpenCuda(out string? reason, TransferPieceBytes)
            ?? throw new InvalidOperationException($"MODELMERGE_TEST_DEVICE=cuda, but {reason}.");
    }

    public void Dispose() => Gpu.Dispose();
}

[CollectionDefinition(Name)]
public sealed class SimulatedDeviceCollection : ICollectionFixture<SimulatedDevice>
{
    public const string Name = "simulated GPU";
}
