using System.Buffers;
using ModelMerge.Formats;
using ModelMerge.Methods;

namespace ModelMerge.Plans.Graph;

/// <summary>The merged delta of TIES-style methods: elect a sign per element, combine the agreeing weighted deltas.</summary>
public sealed class SignConsensusPlan(IReadOnlyList<ITensorPlan> taskVectors, float[] weights, SignRule rule, bool normalize, float lambda) : ITensorPlan
{
    public long Length => taskVectors[0].Length;

    public TensorInfo? StoredSource => null;

    public PreparedTensor Prepare(string tensorName, PlanContext context) =>
        new Prepared(PreparedInputs.Prepare(taskVectors, tensorName, context), weights, rule, normalize, lambda);

    private sealed class Prepared(PreparedInputs inputs, float[] weights, SignRule rule, bool normalize, float lambda) : PreparedTensor
    {
        public override long Length => inputs.Length;

        public override void Read(long start, Span<float> destination)
        {
            var deltas = inputs.ReadAll(start, destination.Length);
            try { SignConsensus.Combine(deltas.AsSpan(0, destination.Length * inputs.Count), weights, rule, normalize, lambda, destination); }
            finally { ArrayPool<float>.Shared.Return(deltas); }
        }

        public override void Dispose() => inputs.Dispose();
    }
}
