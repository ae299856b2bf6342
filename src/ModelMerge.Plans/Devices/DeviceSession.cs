using ModelMerge.Compute.Gpu;

namespace ModelMerge.Plans.Devices;

/// <summary>
/// The session's one GPU, opened on the first export that asks for it and kept until the module
/// is removed: a CUDA context and the kernels compiled for it cost seconds, a tensor
/// milliseconds. Which device an export gets, and why, is decided here.
/// </summary>
public static class DeviceSession
{
    private static readonly object Gate = new();
    private static GpuAccelerator? _gpu;
    private static string? _unavailable;

    /// <summary>The GPU an export asking for <paramref name="requested"/> computes on, or null for the CPU; <paramref name="reason"/> says which and why.</summary>
    /// <exception cref="PlanException">Cuda was asked for and there is none (DeviceUnavailable).</exception>
    public static GpuAccelerator? Resolve(ComputeDevice requested, out string reason)
    {
        if (requested == ComputeDevice.Cpu)
        {
            reason = "Computing on the CPU, as asked.";
            return null;
        }
        var gpu = OpenCuda(out string found);
        if (gpu is not null)
        {
            reason = requested == ComputeDevice.Auto ? $"Computing on the GPU: {found} (Auto chose it)." : $"Computing on the GPU: {found}.";
            return gpu;
        }
        if (requested == ComputeDevice.Cuda)
            throw new PlanException("DeviceUnavailable", $"-Device Cuda was asked for, but {found}. Use -Device Cpu or Auto to compute on the CPU.");
        reason = $"Computing on the CPU: {found}.";
        return null;
    }

    private static GpuAccelerator? OpenCuda(out string reason)
    {
        lock (Gate)
        {
            // A machine without a driver stays without one for the session: ask ILGPU once.
            if (_gpu is null && _unavailable is null) _gpu = GpuAccelerator.TryOpenCuda(out _unavailable);
            reason = _gpu is null ? _unavailable! : $"CUDA device {_gpu.Description}";
            return _gpu;
        }
    }

    /// <summary>Releases the GPU (on module removal); the next export that wants one opens it again.</summary>
    public static void Release()
    {
        lock (Gate)
        {
            _gpu?.Dispose();
            _gpu = null;
            _unavailable = null;
        }
    }
}
