namespace ModelMerge.Plans.Devices;

/// <summary>Where an export computes its tensors.</summary>
public enum ComputeDevice
{
    /// <summary>The first CUDA device when ILGPU finds one, the CPU otherwise.</summary>
    Auto,

    /// <summary>The CPU backend (vectorised loops on all allowed cores).</summary>
    Cpu,

    /// <summary>The first CUDA device; an error when there is none.</summary>
    Cuda,
}
