using System.Globalization;
using ModelMerge.Fuzz.Harness;

namespace ModelMerge.Fuzz;

/// <summary>The summary printed at the end of a run: one row per target and seed.</summary>
public static class ReportTable
{
    public static string Format(IEnumerable<FuzzReport> reports)
    {
        var rows = new List<string[]> { new[] { "target", "seed", "cases", "accepted", "findings", "seconds", "cases/s", "in parser", "slowest ms", "max alloc KiB" } };
        foreach (var r in reports)
            rows.Add(
            [
                r.Target, r.Seed.ToString(CultureInfo.InvariantCulture), r.Cases.ToString("N0", CultureInfo.InvariantCulture),
                (r.Cases == 0 ? 0 : (double)r.Accepted / r.Cases).ToString("P0", CultureInfo.InvariantCulture),
                r.Findings.ToString(CultureInfo.InvariantCulture), r.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture),
                r.CasesPerSecond.ToString("N0", CultureInfo.InvariantCulture),
                (r.Elapsed.Ticks == 0 ? 0 : (double)r.InParser.Ticks / r.Elapsed.Ticks).ToString("P0", CultureInfo.InvariantCulture), r.SlowestCase.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture),
                (r.MostAllocated / 1024).ToString("N0", CultureInfo.InvariantCulture),
            ]);
        int[] widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(row => row[c].Length)).ToArray();
        return string.Join("\n", rows.Select((row, i) =>
        {
            string line = string.Join("  ", row.Select((cell, c) => c == 0 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c])));
            return i == 0 ? line + "\n" + new string('-', line.Length) : line;
        }));
    }
}
