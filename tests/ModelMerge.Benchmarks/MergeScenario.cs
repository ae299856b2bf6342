namespace ModelMerge.Benchmarks;

/// <summary>One merge method as a user writes it: a pipeline over $base, $ft1, $ft2 into $out.</summary>
public sealed record MergeScenario(string Name, string Script)
{
    /// <summary>The card's pipeline.</summary>
    public static MergeScenario Ties { get; } = new("ties",
        "Get-Checkpoint $base | Get-TaskVector $ft1,$ft2 | Invoke-TiesMerge -Density 0.2 | Export-Checkpoint $out -Force");

    public static IReadOnlyList<MergeScenario> All { get; } =
    [
        Ties,
        new("dare-ties",
            "Get-Checkpoint $base | Get-TaskVector $ft1,$ft2 | Invoke-DareDrop -Density 0.1 -Seed 1 | Invoke-TiesMerge -Density 1 | Export-Checkpoint $out -Force"),
        new("task-arithmetic",
            "Get-Checkpoint $base | Get-TaskVector $ft1,$ft2 | Invoke-TaskArithmetic | Export-Checkpoint $out -Force"),
        new("linear",
            "Get-Checkpoint $base,$ft1,$ft2 | Invoke-LinearMerge | Export-Checkpoint $out -Force"),
    ];

    /// <summary>The scenarios a --method value names: one of them, or "all".</summary>
    public static IReadOnlyList<MergeScenario>? Select(string method) =>
        method.Equals("all", StringComparison.OrdinalIgnoreCase)
            ? All
            : All.Where(s => s.Name.Equals(method, StringComparison.OrdinalIgnoreCase)).ToList() is { Count: 1 } one ? one : null;
}
