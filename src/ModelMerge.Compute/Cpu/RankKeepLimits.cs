namespace ModelMerge.Compute.Cpu;

/// <summary>
/// DELLA's keep limit for each ascending magnitude rank of a row of <see cref="RowLength"/>
/// elements: <see cref="CounterRandom.KeepLimit"/> of p = (d − ε) + 2ε·rank / (L − 1) (a row
/// of one: p = d). Rows up to <see cref="TabledUpTo"/> ranks read a table; longer ones compute
/// each limit when asked, the same doubles in the same order, so a 2^28-element row needs no
/// 2 GB table of limits.
/// </summary>
public sealed class RankKeepLimits
{
    /// <summary>Rows up to this many ranks (a 512 KB table) look their limits up.</summary>
    public const long TabledUpTo = 1 << 16;

    private readonly ulong[]? _table;
    private readonly double _density;
    private readonly double _epsilon;

    private RankKeepLimits(long rowLength, ulong[]? table, double density, double epsilon)
    {
        RowLength = rowLength;
        _table = table;
        _density = density;
        _epsilon = epsilon;
    }

    public long RowLength { get; }

    /// <summary>The limits of della's probabilities for rows of <paramref name="rowLength"/>.</summary>
    public static RankKeepLimits ForDella(long rowLength, double density, double epsilon)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rowLength);
        var limits = new RankKeepLimits(rowLength, null, density, epsilon);
        if (rowLength > TabledUpTo) return limits;
        var table = new ulong[rowLength];
        for (long rank = 0; rank < rowLength; rank++) table[rank] = limits.Compute(rank);
        return new RankKeepLimits(rowLength, table, density, epsilon);
    }

    /// <summary>Limits given rank by rank (one per rank of a row).</summary>
    public static RankKeepLimits FromTable(ulong[] keepLimitByRank) => new(keepLimitByRank.LongLength, keepLimitByRank, 0, 0);

    /// <summary>p of 0-based ascending <paramref name="rank"/> in a row of <paramref name="rowLength"/> (in double, as documented).</summary>
    public static double Probability(long rank, long rowLength, double density, double epsilon)
    {
        double normalized = rowLength == 1 ? 0.5 : (double)rank / (rowLength - 1);
        return (density - epsilon) + 2 * epsilon * normalized;
    }

    public ulong this[long rank] => _table is not null ? _table[rank] : Compute(rank);

    private ulong Compute(long rank) => CounterRandom.KeepLimit(Probability(rank, RowLength, _density, _epsilon));
}
