namespace ModelMerge.Fuzz.Harness;

/// <summary>
/// What a single case may cost before it counts as a finding. Real headers, indexes, configs
/// and recipes parse in microseconds and a few hundred kilobytes; these bounds are far above
/// that and far below what a hostile file could make an unguarded parser spend.
/// </summary>
public sealed record FuzzLimits
{
    /// <summary>A case that finishes but takes longer than this is a finding (a near-hang, something quadratic).</summary>
    public TimeSpan SlowCase { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A case still running after this long is a hang: it is saved and the process ends.</summary>
    public TimeSpan Hang { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Bytes one case may allocate on the parsing thread.</summary>
    public long AllocationCap { get; init; } = 64L * 1024 * 1024;

    public static FuzzLimits Default { get; } = new();
}
