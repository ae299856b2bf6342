using System.Numerics.Tensors;
using ModelMerge.Compute;
using ModelMerge.Compute.Cpu;

namespace ModelMerge.Methods;

/// <summary>
/// DELLA's drop (merge-semantics §4.2 "della_magprune", §4.6): a random drop whose keep
/// probability grows with the magnitude's rank in its row, from density − ε for the smallest to
/// density + ε for the largest, then the whole-tensor rescale when asked.
/// </summary>
/// <remarks>
/// Rows run along axis 1, as mergekit ranks (dim=1): a matrix's rows W[r, :]; a 1-D tensor is
/// one row; a scalar is a row of one. In a row of L elements:
/// <code>
/// rank_j = position of |τ_j| in ascending order, lower index first among equals (0-based)
/// r̂_j    = rank_j / (L − 1)        (L = 1: 0.5, where mergekit divides 0 by 0 — MM)
/// p_j    = (d − ε) + 2ε·r̂_j        (in double)
/// keep_j ⇔ (CounterRandom.Draw(Key(seed, tensor, model), j) >> 32) &lt; ceil(p_j · 2^32)
/// </code>
/// with j the flat element index: DARE's counter-based draw (<see cref="CounterRandom"/>) against
/// a per-element probability, so the mask does not depend on threads, chunking or device.
/// Density ≤ 0 drops everything; density ≥ 1 returns τ unchanged and unscaled; otherwise
/// d − ε &gt; 0 and d + ε &lt; 1 are required.
/// </remarks>
public sealed class RankedDrop : IDisposable
{
    public const string EpsilonOutOfRange = "EpsilonOutOfRange";

    /// <summary>The keep bits; null when everything is dropped.</summary>
    private readonly ElementMask? _mask;

    private RankedDrop(ElementMask? mask) => _mask = mask;

    /// <summary>The rescale factor applied to every survivor.</summary>
    public float Factor { get; private set; } = 1f;

    /// <summary>The rows della ranks in for a tensor of <paramref name="shape"/>: along axis 1 from rank 2 on, else the whole tensor.</summary>
    public static RowLayout Rows(long[] shape) => RowLayout.AlongAxis(shape, shape.Length >= 2 ? 1 : 0);

    /// <summary>p by 0-based ascending rank in a row of <paramref name="rowLength"/> elements.</summary>
    public static double[] KeepProbabilities(long rowLength, double density, double epsilon)
    {
        var p = new double[rowLength];
        for (long rank = 0; rank < rowLength; rank++) p[rank] = RankKeepLimits.Probability(rank, rowLength, density, epsilon);
        return p;
    }

    /// <summary>The drop for one tensor: one pass ranking every row, one more for the L1 rule; null when density ≥ 1.</summary>
    public static RankedDrop? Create(IChunkSource taskVector, long[] shape, double density, double epsilon, ulong seed, string tensorName,
        int modelIndex, Rescale rescale, ChunkRunner runner)
    {
        ulong key = CounterRandom.Key(seed, tensorName, modelIndex);
        return Create(taskVector, shape, density, epsilon, tensorName, rescale, runner, (source, rows) =>
            RowRankedMask.Build(source, rows, key, RankKeepLimits.ForDella(rows.RowLength, density, epsilon), runner, new RankingBudget()));
    }

    /// <summary>
    /// The same drop with the Bernoulli draw replaced by <paramref name="keep"/>(element, p), so a
    /// test can inject the masks merge-semantics' worked examples state.
    /// </summary>
    internal static RankedDrop? Create(IChunkSource taskVector, long[] shape, double density, double epsilon, string tensorName,
        Rescale rescale, ChunkRunner runner, Func<long, double, bool> keep) =>
        Create(taskVector, shape, density, epsilon, tensorName, rescale, runner, (source, rows) =>
        {
            var p = KeepProbabilities(rows.RowLength, density, epsilon);
            return RowRankedMask.Build(source, rows, (element, rank) => keep(element, p[rank]), runner);
        });

    private static RankedDrop? Create(IChunkSource taskVector, long[] shape, double density, double epsilon, string tensorName,
        Rescale rescale, ChunkRunner runner, Func<IChunkSource, RowLayout, ElementMask> buildMask)
    {
        if (density >= 1 || taskVector.Length == 0) return null;
        var rows = Rows(shape);
        if (rows.Length != taskVector.Length)
            throw new ArgumentException($"tensor '{tensorName}': the shape holds {rows.Length} elements, the task vector {taskVector.Length}.", nameof(shape));
        if (density <= 0) return new RankedDrop(mask: null);
        if (!(density - epsilon > 0 && density + epsilon < 1))
            throw new MergeException(EpsilonOutOfRange,
                $"epsilon must keep density ± epsilon inside (0, 1), but density {density} ± epsilon {epsilon} spans [{density - epsilon:G6}, {density + epsilon:G6}]; lower epsilon or move density away from 0 and 1.",
                tensorName);
        var drop = new RankedDrop(buildMask(taskVector, rows));
        drop.Factor = SurvivorRescale.Factor(rescale, density, taskVector, drop.Mask, runner);
        return drop;
    }

    private void Mask(long chunk, long start, Span<float> values) => Drop(start, values);

    private void Drop(long start, Span<float> values)
    {
        if (_mask is null) values.Clear();
        else _mask.Apply(start, values);
    }

    /// <summary>Drops and rescales elements [start, start + values.Length) in place.</summary>
    public void Apply(long start, Span<float> values)
    {
        Drop(start, values);
        if (Factor != 1f) TensorPrimitives.Multiply(values, Factor, values);
    }

    /// <summary>Returns the keep bits to their pool.</summary>
    public void Dispose() => _mask?.Dispose();
}
