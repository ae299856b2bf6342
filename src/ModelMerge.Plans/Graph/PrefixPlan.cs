using ModelMerge.Formats;

namespace ModelMerge.Plans.Graph;

/// <summary>
/// The first <c>length</c> elements of a tensor: the top rows of an embedding whose vocabulary is
/// cut to the models' common size (merge-semantics §7.2). A prefix has the inner tensor's flat
/// indices, so every chunk read of it is a chunk read of the inner tensor.
/// </summary>
public sealed class PrefixPlan(ITensorPlan inner, long length) : ITensorPlan
{
    public long Length => length;

    public TensorInfo? StoredSource => null;

    public IEnumerable<ITensorPlan> Inputs => [inner];

    public static ITensorPlan Of(ITensorPlan plan, long length) => plan.Length == length ? plan : new PrefixPlan(plan, length);

    public PreparedTensor Prepare(string tensorName, PlanContext context) => new Prepared(inner.Prepare(tensorName, context), length);

    private sealed class Prepared(PreparedTensor inner, long length) : PreparedTensor
    {
        public override long Length => length;

        public override void Read(long start, Span<float> destination) => inner.Read(start, destination);

        // Same flat indices, so the fused kernels may read the stored bytes directly.
        public override Formats.Safetensors.TensorReader? Stored => inner.Stored;

        public override void Dispose() => inner.Dispose();
    }
}
