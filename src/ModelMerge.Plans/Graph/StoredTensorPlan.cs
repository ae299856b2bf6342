using ModelMerge.Formats;
using ModelMerge.Formats.Safetensors;

namespace ModelMerge.Plans.Graph;

/// <summary>A tensor as stored in a safetensors file, widened to float32 on read.</summary>
public sealed class StoredTensorPlan(TensorInfo tensor) : ITensorPlan
{
    public long Length => tensor.ElementCount;

    public TensorInfo? StoredSource => tensor;

    public PreparedTensor Prepare(string tensorName, PlanContext context) => new Prepared(MappedTensor.Open(tensor));

    private sealed class Prepared(MappedTensor mapped) : PreparedTensor
    {
        public override long Length => mapped.Info.ElementCount;

        public override void Read(long start, Span<float> destination) => mapped.ReadSingles(start, destination);

        public override void Dispose() => mapped.Dispose();
    }
}
