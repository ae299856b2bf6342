using ModelMerge.Formats;
using ModelMerge.Formats.Safetensors;

namespace ModelMerge.Plans.Export;

public sealed record ExportOptions
{
    /// <summary>Type of every floating-point output tensor; null keeps each tensor's base type.</summary>
    public DType? DType { get; init; }

    public long MaxShardBytes { get; init; } = ShardPlan.DefaultMaxShardBytes;

    /// <summary>Replace an existing output folder, if it is an earlier export.</summary>
    public bool Force { get; init; }

    /// <summary>The caller's current location (a PowerShell session's, which is not the process's): never replaced, nor any folder holding it.</summary>
    public string? WorkingFolder { get; init; }

    /// <summary>Write README.md (a model card) and, for a recipe, mergekit_config.yml with the weights.</summary>
    public bool ModelCard { get; init; } = true;

    /// <summary>Cores to compute on; 0 = all.</summary>
    public int ThrottleLimit { get; init; }

    /// <summary>Grid chunks per block handed to the writer (64: 16 MB of float32 at most); the bytes written do not depend on it.</summary>
    internal int BlockChunks { get; init; } = 64;

    /// <summary>Where to compute: the GPU when there is one (Auto), the CPU, or a CUDA device (an error without one).</summary>
    public Devices.ComputeDevice Device { get; init; } = Devices.ComputeDevice.Auto;

    /// <summary>A GPU to compute on whatever <see cref="Device"/> says: the kernels' tests pass ILGPU's simulator.</summary>
    internal Compute.Gpu.GpuAccelerator? Accelerator { get; init; }

    /// <summary>Bytes of device memory one tensor may take (default: three quarters of it); tests make it small to split tensors.</summary>
    internal long? DeviceMemoryBudget { get; init; }

    /// <summary>Merge NaN and ±∞ found in the inputs as they are, with a warning per input tensor, instead of refusing the export.</summary>
    public bool AllowNonFinite { get; init; }
}

/// <summary>Where an export stands, reported between blocks (on the caller's thread).</summary>
public sealed record ExportProgress(string Tensor, int TensorIndex, int TensorCount, long BytesDone, long TotalBytes);

/// <summary>What an export wrote.</summary>
public sealed record ExportResult(string Path, int TensorCount, int ShardCount, long BytesWritten, TimeSpan Elapsed);
