using ModelMerge.Formats;
using ModelMerge.Methods;

namespace ModelMerge.Plans.Graph;

/// <summary>A task vector trimmed to its top-density magnitudes (TIES's first step), survivors optionally rescaled.</summary>
public sealed class MagnitudeTrimPlan(ITensorPlan taskVector, double density, Rescale rescale = Rescale.None) : ITensorPlan
{
    public long Length => taskVector.Length;

    public TensorInfo? StoredSource => null;

    public IEnumerable<ITensorPlan> Inputs => [taskVector];

    public ITensorPlan TaskVector => taskVector;

    public double Density => density;

    public Rescale Rescale => rescale;

    public PreparedTensor Prepare(string tensorName, PlanContext context)
    {
        var inner = taskVector.Prepare(tensorName, context);
        try
        {
            var trim = MagnitudeTrim.Create(inner, density, rescale, tensorName, context.Runner);
            return trim is null ? inner : new Prepared(inner, trim);
        }
        catch
        {
            inner.Dispose();
            throw;
        }
    }

    private sealed class Prepared(PreparedTensor inner, MagnitudeTrim trim) : PreparedTensor
    {
        public override long Length => inner.Length;

        public override void Read(long start, Span<float> destination)
        {
            inner.Read(start, destination);
            trim.Apply(ChunkIndex(start), destination);
        }

        public override void Dispose() => inner.Dispose();
    }
}
