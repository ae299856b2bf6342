using ModelMerge.Formats;
using ModelMerge.Methods;

namespace ModelMerge.Plans.Graph;

/// <summary>A task vector with its smallest magnitudes and its largest outliers dropped (Breadcrumbs), survivors optionally rescaled.</summary>
public sealed class OutlierTrimPlan(ITensorPlan taskVector, double density, double gamma, Rescale rescale, bool mergekitQuirks = false) : ITensorPlan
{
    public long Length => taskVector.Length;

    public TensorInfo? StoredSource => null;

    public IEnumerable<ITensorPlan> Inputs => [taskVector];

    public ITensorPlan TaskVector => taskVector;

    public double Density => density;

    public double Gamma => gamma;

    public Rescale Rescale => rescale;

    /// <summary>With no outlier to drop, keep nothing, as mergekit's empty slice does.</summary>
    public bool MergekitQuirks => mergekitQuirks;

    public PreparedTensor Prepare(string tensorName, PlanContext context)
    {
        var inner = taskVector.Prepare(tensorName, context);
        try
        {
            var trim = OutlierTrim.Create(inner, density, gamma, rescale, tensorName, context.Runner, mergekitQuirks);
            return trim is null ? inner : new Prepared(inner, trim);
        }
        catch
        {
            inner.Dispose();
            throw;
        }
    }

    private sealed class Prepared(PreparedTensor inner, OutlierTrim trim) : PreparedTensor
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
