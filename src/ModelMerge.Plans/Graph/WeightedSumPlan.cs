using System.Buffers;
using ModelMerge.Formats;
using ModelMerge.Methods;

namespace ModelMerge.Plans.Graph;

/// <summary>(Σ w_i·x_i / divisor)·scale: a linear merge of checkpoints or a task-arithmetic sum of task vectors.</summary>
public sealed class WeightedSumPlan(IReadOnlyList<ITensorPlan> inputs, float[] weights, float divisor, float scale) : ITensorPlan
{
    public long Length => inputs[0].Length;

    public TensorInfo? StoredSource => null;

    public PreparedTensor Prepare(string tensorName, PlanContext context) =>
        new Prepared(PreparedInputs.Prepare(inputs, tensorName, context), weights, divisor, scale);

    private sealed class Prepared(PreparedInputs inputs, float[] weights, float divisor, float scale) : PreparedTensor
    {
        public override long Length => inputs.Length;

        public override void Read(long start, Span<float> destination)
        {
            var values = inputs.ReadAll(start, destination.Length);
            try { WeightedSum.Combine(values.AsSpan(0, destination.Length * inputs.Count), weights, divisor, scale, destination); }
            finally { ArrayPool<float>.Shared.Return(values); }
        }

        public override void Dispose() => inputs.Dispose();
    }
}
