using System.Buffers;
using ModelMerge.Formats;
using ModelMerge.Methods;

namespace ModelMerge.Plans.Graph;

/// <summary>A TIES-style merged tensor: base + λ·(agreeing weighted deltas, normalized or summed).</summary>
public sealed class SignConsensusPlan(ITensorPlan? baseTensor, IReadOnlyList<ITensorPlan> taskVectors, double[] weights, SignRule rule,
    bool normalize, double lambda) : ITensorPlan
{
    public long Length => taskVectors[0].Length;

    public TensorInfo? StoredSource => null;

    public IEnumerable<ITensorPlan> Inputs => baseTensor is null ? taskVectors : [baseTensor, .. taskVectors];

    public ITensorPlan? Base => baseTensor;

    public IReadOnlyList<ITensorPlan> TaskVectors => taskVectors;

    public IReadOnlyList<double> Weights => weights;

    public SignRule Rule => rule;

    public bool Normalize => normalize;

    public double Lambda => lambda;

    public PreparedTensor Prepare(string tensorName, PlanContext context) =>
        new Prepared(PreparedInputs.Prepare(baseTensor, taskVectors, tensorName, context), weights, rule, normalize, lambda);

    private sealed class Prepared(PreparedInputs inputs, double[] weights, SignRule rule, bool normalize, double lambda) : PreparedTensor
    {
        public override long Length => inputs.Length;

        public override void Read(long start, Span<float> destination)
        {
            int n = destination.Length;
            var values = inputs.ReadAll(start, n);
            try { SignConsensus.Combine(inputs.Terms(values, n), weights, rule, normalize, lambda, inputs.Base(values, n), destination); }
            finally { ArrayPool<float>.Shared.Return(values); }
        }

        public override void Dispose() => inputs.Dispose();
    }
}
