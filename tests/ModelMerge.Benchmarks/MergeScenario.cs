namespace ModelMerge.Benchmarks;

/// <summary>
/// One merge method as a user writes it: a pipeline over $base, $ft1, $ft2 into $out.
/// <see cref="Reads"/> names the models it reads, so its I/O floor reads just those.
/// </summary>
public sealed record MergeScenario(string Name, string Script)
{
    /// <summary>Which of base, ft1 and ft2 the pipeline reads (all three unless said).</summary>
    public IReadOnlyList<string> Reads { get; init; } = ["base", "ft1", "ft2"];

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
        new("slerp",
            "Get-Checkpoint $ft2 | Invoke-Merge slerp -Base $ft1 -T 0.5 | Export-Checkpoint $out -Force") { Reads = ["ft1", "ft2"] },
        // A and B first, then with C, in one export: the spherical mix of the fine-tunes as one task vector next to ft2's.
        new("chain",
            "$ab = Get-Checkpoint $ft2 | Invoke-Merge slerp -Base $ft1 -T 0.5; Get-Checkpoint $base | Get-TaskVector $ab,$ft2 | Invoke-TiesMerge -Density 0.2 | Export-Checkpoint $out -Force"),
    ];

    /// <summary>The scenarios a --method value names: one of them, several separated by commas, or "all"; null if any is unknown.</summary>
    public static IReadOnlyList<MergeScenario>? Select(string method)
    {
        if (method.Equals("all", StringComparison.OrdinalIgnoreCase)) return All;
        var chosen = method.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(name => All.FirstOrDefault(s => s.Name.Equals(name, StringComparison.OrdinalIgnoreCase))).ToList();
        return chosen.Count > 0 && chosen.All(s => s is not null) ? chosen.OfType<MergeScenario>().ToList() : null;
    }
}
