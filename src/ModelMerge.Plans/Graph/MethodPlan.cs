using System.Buffers;
using ModelMerge.Formats;
using ModelMerge.Methods.Framework;

namespace ModelMerge.Plans.Graph;

/// <summary>
/// A tensor merged by a registered method's per-tensor math: its reduction passes run when the
/// plan is prepared, then every chunk is combined from the same chunk of each input.
/// </summary>
public sealed class MethodPlan(ITensorPlan? baseTensor, IReadOnlyList<ITensorPlan> models, long[] shape, ITensorMerge method) : ITensorPlan
{
    public long Length => ShapeMath.ElementCount(shape);

    public TensorInfo? StoredSource => null;

    public IEnumerable<ITensorPlan> Inputs => baseTensor is null ? models : [baseTensor, .. models];

    public ITensorPlan? Base => baseTensor;

    public IReadOnlyList<ITensorPlan> Models => models;

    public ITensorMerge Method => method;

    public IReadOnlyList<long> Shape => shape;

    public PreparedTensor Prepare(string tensorName, PlanContext context)
    {
        var inputs = PreparedInputs.Prepare(baseTensor, models, tensorName, context);
        try
        {
            var merge = method.Prepare(new MergeInputs(tensorName, shape, inputs.BaseTensor, inputs.TermTensors), context.Runner);
            if (merge is IMergeRemarks remarks)
                foreach (var remark in remarks.Remarks) context.Warn($"tensor '{tensorName}': {remark}");
            return new Prepared(inputs, merge, Length, baseTensor is not null, models.Count);
        }
        catch
        {
            inputs.Dispose();
            throw;
        }
    }

    private sealed class Prepared(PreparedInputs inputs, IChunkMerge merge, long length, bool hasBase, int modelCount) : PreparedTensor
    {
        public override long Length => length;

        public override void Read(long start, Span<float> destination)
        {
            int n = destination.Length;
            var values = inputs.ReadAll(start, n);
            try
            {
                var chunk = new InputChunk(start, n, hasBase, inputs.Base(values, n), modelCount, inputs.Terms(values, n));
                merge.Merge(chunk, destination);
            }
            finally { ArrayPool<float>.Shared.Return(values); }
        }

        public override void Dispose() => inputs.Dispose();
    }
}
