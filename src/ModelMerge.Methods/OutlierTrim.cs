using System.Numerics.Tensors;
using ModelMerge.Compute;
using ModelMerge.Compute.Cpu;

namespace ModelMerge.Methods;

/// <summary>
/// Breadcrumbs' trim (merge-semantics §4.2 "magnitude_outliers", §4.5): of the magnitudes in
/// ascending order (lower index first among equals) keep positions [bot, n − top), that is
/// drop the bot smallest and the top largest, keeping exactly floor(density·n); then rescale
/// the survivors when asked. Density ≥ 1 keeps everything, unscaled. The band's two edges come
/// from two top-k selections, so nothing is sorted however large the tensor.
/// </summary>
/// <remarks>
/// MM (§4.2, §11 deviation 2): with no outlier to drop (top = 0, whenever γ·n &lt; 1) the band runs
/// up to the largest magnitude. mergekit's slice order[bot:-0] selects nothing there and zeroes
/// the whole task vector; <c>mergekitQuirks</c> reproduces that.
/// </remarks>
public sealed class OutlierTrim
{
    public const string GammaOutOfRange = "GammaOutOfRange";

    private readonly MagnitudeBand _band;

    private OutlierTrim(MagnitudeBand band) => _band = band;

    /// <summary>The rescale factor applied to every survivor.</summary>
    public float Factor { get; private set; } = 1f;

    /// <summary>
    /// §4.2's counts, in double from the parameters' double values: keep = floor(d·n),
    /// top = floor(γ·n), bot = n − keep − top; a negative bot is taken from top, since no more
    /// than n − keep large magnitudes can go.
    /// </summary>
    public static (long Keep, long Top, long Bottom) Counts(double density, double gamma, long elements, string tensorName)
    {
        long keep = MagnitudeTrim.KeepCount(density, elements, tensorName);
        if (!(gamma >= 0))
            throw new MergeException(GammaOutOfRange, $"gamma {gamma} is not a fraction of the largest magnitudes to drop; give a value ≥ 0.", tensorName);
        long top = (long)Math.Min(Math.Floor(gamma * elements), elements);
        long bottom = elements - keep - top;
        if (bottom < 0)
        {
            top += bottom;
            bottom = 0;
        }
        return (keep, top, bottom);
    }

    /// <summary>The trim for one tensor (up to two selections over <paramref name="taskVector"/>, one more pass for L1), or null when nothing is trimmed.</summary>
    public static OutlierTrim? Create(IChunkSource taskVector, double density, double gamma, Rescale rescale, string tensorName, ChunkRunner runner,
        bool mergekitQuirks = false)
    {
        if (density >= 1 || taskVector.Length == 0) return null;
        long n = taskVector.Length;
        var (_, top, bottom) = Counts(density, gamma, n, tensorName);
        var lower = bottom > 0 ? RankBoundary.Find(taskVector, bottom, runner) : RankBoundary.First;
        var upper = top > 0 ? RankBoundary.Find(taskVector, n - top, runner)
            : mergekitQuirks ? RankBoundary.First : RankBoundary.PastLast;
        var trim = new OutlierTrim(new MagnitudeBand(lower, upper));
        trim.Factor = SurvivorRescale.Factor(rescale, density, taskVector, trim.Mask, runner);
        return trim;
    }

    private void Mask(long chunk, long start, Span<float> values) => _band.Apply(chunk, values);

    /// <summary>Trims and rescales grid chunk <paramref name="chunk"/> in place.</summary>
    public void Apply(long chunk, Span<float> values)
    {
        _band.Apply(chunk, values);
        if (Factor != 1f) TensorPrimitives.Multiply(values, Factor, values);
    }
}
