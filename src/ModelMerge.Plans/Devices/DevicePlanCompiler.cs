using ModelMerge.Formats;
using ModelMerge.Plans.Graph;

namespace ModelMerge.Plans.Devices;

/// <summary>Turns a tensor plan into device nodes when the GPU has a kernel for every node of it.</summary>
internal static class DevicePlanCompiler
{
    /// <returns>The compiled plan, or null: some node has no kernel, and the CPU computes the tensor.</returns>
    public static DeviceNode? Compile(ITensorPlan plan) => plan switch
    {
        StoredTensorPlan { StoredSource: TensorInfo stored } when StoredDeviceNode.Supports(stored) => new StoredDeviceNode(stored),
        _ => null,
    };
}
