namespace ModelMerge.Compute.Cpu;

/// <summary>
/// The scratch memory della's row ranking may hold at once, all its workers together, and a
/// meter of the most one worker held. Rows whose sort keys fit in a worker's share are ranked
/// whole; longer rows, and slabs too large to read at once, are ranked in passes that never
/// hold more than the share, however long the row (<see cref="SlabPasses"/>). The share only
/// decides how the ranks are found, never what they are.
/// </summary>
public sealed class RankingBudget
{
    /// <summary>256 MiB for all workers: a row of 2^28 elements ranked whole would need 5 GB.</summary>
    public const long DefaultBytes = 256L << 20;

    /// <summary>A worker's share never falls below this: the buffers of a pass and a few magnitude buckets.</summary>
    public const long MinimumPerWorker = 2L << 20;

    private long _peak;

    public RankingBudget(long bytes = DefaultBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, MinimumPerWorker);
        Bytes = bytes;
    }

    public long Bytes { get; }

    /// <summary>The most scratch (bytes) one worker held at once, over every ranking under this budget.</summary>
    public long PeakBytes => Interlocked.Read(ref _peak);

    /// <summary>One worker's share when <paramref name="workers"/> rank at once.</summary>
    public long PerWorker(int workers) => Math.Max(MinimumPerWorker, Bytes / Math.Max(1, workers));

    internal void Held(long bytes)
    {
        long seen;
        while (bytes > (seen = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, bytes, seen) != seen)
        {
        }
    }
}
