using ModelMerge.Formats;

namespace ModelMerge.Plans.Graph;

/// <summary>A tensor as stored in a safetensors file, widened to float32 on read.</summary>
public sealed class StoredTensorPlan(TensorInfo tensor) : ITensorPlan
{
    public long Length => tensor.ElementCount;

    public TensorInfo? StoredSource => tensor;

    public IEnumerable<ITensorPlan> Inputs => [];

    public PreparedTensor Prepare(string tensorName, PlanContext context)
    {
        context.Read(tensor);
        return context.StoredTensors.Acquire(tensor);
    }
}
