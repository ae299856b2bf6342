using System.Diagnostics;
using ModelMerge.Fuzz;
using ModelMerge.Fuzz.Harness;
using Xunit.Abstractions;

namespace ModelMerge.Tests.Fuzz;

/// <summary>
/// Every parser's fuzz target (tests/ModelMerge.Fuzz) for a bounded number of seeded cases:
/// each case parses or fails with the parser's documented exception and a stable id, within
/// the time and allocation limits, or the test fails with the replay command of every distinct
/// finding. The console program runs the same targets for millions of cases.
/// </summary>
public sealed class ParserFuzzTests(ITestOutputHelper output)
{
    private const int Seed = 20251201;

    /// <summary>Cases per target, sized so that all four take about ten seconds together.</summary>
    public static TheoryData<string, int> Targets => new()
    {
        { "safetensors-header", 20_000 },
        { "shard-index", 5_000 },
        { "config", 10_000 },
        { "recipe", 10_000 },
    };

    /// <summary>A shared CI machine can stall any case for a while; a finding of something quadratic takes far longer.</summary>
    private static readonly FuzzLimits Limits = FuzzLimits.Default with { SlowCase = TimeSpan.FromSeconds(5) };

    [Theory]
    [MemberData(nameof(Targets))]
    public void Parser_either_reads_or_refuses_as_documented_every_seeded_case(string target, int cases)
    {
        using var fuzz = FuzzTargets.Create(target);
        var clock = Stopwatch.StartNew();

        var report = new FuzzRunner(fuzz, Limits, new FindingStore(folder: null)).Run(Seed, cases);

        output.WriteLine($"{target}: {report.Cases} cases, {report.Accepted} accepted, {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.True(report.Findings == 0, $"{report.Findings} findings; rerun one with dotnet run --project tests/ModelMerge.Fuzz -- <replay>\n{report.Describe()}");
        Assert.Equal(cases, report.Cases);
        Assert.InRange(report.Accepted, 1, cases - 1);
    }

    [Fact]
    public void A_seed_and_a_case_index_rebuild_the_same_input()
    {
        foreach (var name in FuzzTargets.Names)
        {
            using var first = FuzzTargets.Create(name);
            using var second = FuzzTargets.Create(name);
            for (long index = 0; index < 50; index++)
            {
                var a = first.Prepare(CaseSeed.For(Seed, index));
                var b = second.Prepare(CaseSeed.For(Seed, index));
                if (name != "shard-index") Assert.Equal(a.Input, b.Input);
                else Assert.Equal(a.Input.Length, b.Input.Length); // absolute paths name each fixture's own folder
            }
        }
    }
}
