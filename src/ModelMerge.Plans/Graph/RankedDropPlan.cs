using ModelMerge.Formats;
using ModelMerge.Methods;

namespace ModelMerge.Plans.Graph;

/// <summary>
/// A task vector dropped at random with a keep probability that grows with each magnitude's
/// rank in its row (DELLA), survivors optionally rescaled. The rows need the tensor's shape; the
/// mask is decided once, when the plan is prepared, because rows straddle grid chunks.
/// </summary>
public sealed class RankedDropPlan(ITensorPlan taskVector, long[] shape, double density, double epsilon, ulong seed, int modelIndex, Rescale rescale)
    : ITensorPlan
{
    public long Length => taskVector.Length;

    public TensorInfo? StoredSource => null;

    public IEnumerable<ITensorPlan> Inputs => [taskVector];

    public ITensorPlan TaskVector => taskVector;

    public IReadOnlyList<long> Shape => shape;

    public double Density => density;

    public double Epsilon => epsilon;

    public ulong Seed => seed;

    public int ModelIndex => modelIndex;

    public Rescale Rescale => rescale;

    public PreparedTensor Prepare(string tensorName, PlanContext context)
    {
        var inner = taskVector.Prepare(tensorName, context);
        try
        {
            var drop = RankedDrop.Create(inner, shape, density, epsilon, seed, tensorName, modelIndex, rescale, context.Runner);
            return drop is null ? inner : new Prepared(inner, drop);
        }
        catch
        {
            inner.Dispose();
            throw;
        }
    }

    private sealed class Prepared(PreparedTensor inner, RankedDrop drop) : PreparedTensor
    {
        public override long Length => inner.Length;

        public override void Read(long start, Span<float> destination)
        {
            inner.Read(start, destination);
            drop.Apply(start, destination);
        }

        public override void Dispose()
        {
            drop.Dispose();
            inner.Dispose();
        }
    }
}
