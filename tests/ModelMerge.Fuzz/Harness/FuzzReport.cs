namespace ModelMerge.Fuzz.Harness;

/// <summary>What one run of one target did: the row of the summary table.</summary>
public sealed record FuzzReport(
    string Target,
    int Seed,
    long Cases,
    long Accepted,
    int Findings,
    TimeSpan Elapsed,
    TimeSpan InParser,
    TimeSpan SlowestCase,
    long MostAllocated,
    IReadOnlyList<(Finding First, int Count)> Distinct)
{
    public double CasesPerSecond => Elapsed.TotalSeconds > 0 ? Cases / Elapsed.TotalSeconds : 0;

    /// <summary>Every distinct finding with its replay command and detail, for an assertion message or the console.</summary>
    public string Describe() => string.Join("\n\n", Distinct.Select(d =>
        $"[{d.Count}x] {d.First.Signature}\n  replay: {d.First.Replay}\n  {d.First.Detail.Replace("\n", "\n  ", StringComparison.Ordinal)}"));
}
