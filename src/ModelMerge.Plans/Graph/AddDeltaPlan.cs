using System.Buffers;
using System.Numerics.Tensors;
using ModelMerge.Formats;

namespace ModelMerge.Plans.Graph;

/// <summary>A merged model's tensor: θ_base + Δ.</summary>
public sealed class AddDeltaPlan(ITensorPlan baseTensor, ITensorPlan delta) : ITensorPlan
{
    public long Length => baseTensor.Length;

    public TensorInfo? StoredSource => null;

    public PreparedTensor Prepare(string tensorName, PlanContext context) =>
        new Prepared(PreparedInputs.Prepare([baseTensor, delta], tensorName, context));

    private sealed class Prepared(PreparedInputs inputs) : PreparedTensor
    {
        public override long Length => inputs.Length;

        public override void Read(long start, Span<float> destination)
        {
            int n = destination.Length;
            var values = inputs.ReadAll(start, n);
            try { TensorPrimitives.Add(values.AsSpan(0, n), values.AsSpan(n, n), destination); }
            finally { ArrayPool<float>.Shared.Return(values); }
        }

        public override void Dispose() => inputs.Dispose();
    }
}
