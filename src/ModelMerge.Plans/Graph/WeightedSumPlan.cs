using System.Buffers;
using ModelMerge.Formats;
using ModelMerge.Methods;

namespace ModelMerge.Plans.Graph;

/// <summary>base + scale·(Σ w_i·x_i)/divisor: a linear merge of checkpoints (no base) or task arithmetic over a base.</summary>
public sealed class WeightedSumPlan(ITensorPlan? baseTensor, IReadOnlyList<ITensorPlan> terms, double[] weights, double divisor, double scale) : ITensorPlan
{
    public long Length => terms[0].Length;

    public TensorInfo? StoredSource => null;

    public IEnumerable<ITensorPlan> Inputs => baseTensor is null ? terms : [baseTensor, .. terms];

    public ITensorPlan? Base => baseTensor;

    public IReadOnlyList<ITensorPlan> Terms => terms;

    public IReadOnlyList<double> Weights => weights;

    public double Divisor => divisor;

    public double Scale => scale;

    public PreparedTensor Prepare(string tensorName, PlanContext context) =>
        new Prepared(PreparedInputs.Prepare(baseTensor, terms, tensorName, context), weights, divisor, scale);

    private sealed class Prepared(PreparedInputs inputs, double[] weights, double divisor, double scale) : PreparedTensor
    {
        public override long Length => inputs.Length;

        public override void Read(long start, Span<float> destination)
        {
            int n = destination.Length;
            var values = inputs.ReadAll(start, n);
            try { WeightedSum.Combine(inputs.Terms(values, n), weights, divisor, scale, inputs.Base(values, n), destination); }
            finally { ArrayPool<float>.Shared.Return(values); }
        }

        public override void Dispose() => inputs.Dispose();
    }
}
