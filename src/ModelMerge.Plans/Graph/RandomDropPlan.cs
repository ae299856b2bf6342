using ModelMerge.Formats;
using ModelMerge.Methods;

namespace ModelMerge.Plans.Graph;

/// <summary>A task vector with elements dropped at random and the survivors rescaled (DARE).</summary>
public sealed class RandomDropPlan(ITensorPlan taskVector, double density, ulong seed, int modelIndex, Rescale rescale) : ITensorPlan
{
    public long Length => taskVector.Length;

    public TensorInfo? StoredSource => null;

    public IEnumerable<ITensorPlan> Inputs => [taskVector];

    public ITensorPlan TaskVector => taskVector;

    public double Density => density;

    public ulong Seed => seed;

    public int ModelIndex => modelIndex;

    public Rescale Rescale => rescale;

    public PreparedTensor Prepare(string tensorName, PlanContext context)
    {
        var inner = taskVector.Prepare(tensorName, context);
        try
        {
            var drop = RandomDrop.Create(inner, density, seed, tensorName, modelIndex, rescale, context.Runner);
            return drop is null ? inner : new Prepared(inner, drop);
        }
        catch
        {
            inner.Dispose();
            throw;
        }
    }

    private sealed class Prepared(PreparedTensor inner, RandomDrop drop) : PreparedTensor
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
