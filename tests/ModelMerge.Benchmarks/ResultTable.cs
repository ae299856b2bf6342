using System.Globalization;
using System.Text;

namespace ModelMerge.Benchmarks;

/// <summary>One preset and method: its timed runs and the I/O floor they are compared with.</summary>
public sealed record BenchmarkRow(string Preset, string Method, long InputBytes, IReadOnlyList<RunMeasurement> Runs, IoFloorResult Floor)
{
    public RunMeasurement Best => Runs.MinBy(r => r.Elapsed)!;

    public long OutputBytes => Best.OutputBytes;

    /// <summary>Bytes moved per second: every input weight read once plus the output written.</summary>
    public double GigabytesPerSecond => (InputBytes + OutputBytes) / 1e9 / Best.Elapsed.TotalSeconds;

    /// <summary>The highest peaks over the runs: a user needs the worst case, not the best.</summary>
    public long? PeakRssBytes => Runs.Max(r => r.Memory.PeakRss);

    public long? PeakAnonymousBytes => Runs.Max(r => r.Memory.PeakAnonymous);

    public long? StartRssBytes => Runs.Max(r => r.Memory.StartRss);

    public double FloorRatio => Best.Elapsed / Floor.Total;
}

/// <summary>Renders the rows as an aligned console table or as Markdown, with the same columns and notes.</summary>
public static class ResultTable
{
    private static readonly string[] Headers =
    [
        "preset", "method", "input", "output", "time (best)", "runs", "GB/s", "cores busy", "peak RSS", "peak anon", "RSS at start",
        "allocated", "I/O floor (read + write)", "time / floor",
    ];

    public static IReadOnlyList<string> Notes(int runs) =>
    [
        $"time: the pipeline's Invoke() in an open runspace, best of {runs}; engine start-up and module import are excluded.",
        "GB/s: (input weight bytes + output weight bytes) / time. cores busy: the process's CPU time / time in the best run " +
        "(it counts every thread, the runtime's included).",
        "peak RSS: the process's VmHWM over a run (highest of the runs), reset before each. It includes the .NET runtime " +
        "and the PowerShell engine (inputs are read into small buffers, not mapped, so none of their pages count). peak anon: the largest " +
        "RssAnon polled every 20 ms (heap and buffers, no file pages). RSS at start: the resident size when the run began, after an aggressive GC. " +
        "allocated: managed heap bytes allocated during the best run, every thread counted (what the garbage collector has to clear).",
        $"I/O floor: plain 16 MB FileStream reads of the weight files of the models the merge reads (input), plus writing and fsyncing the output's size " +
        $"beside the output folder; best of {runs}, measured in the same process just before the merges. Inputs are read " +
        "from the page cache when RAM holds them, as they are for the merge.",
    ];

    public static string Console(RunFacts facts, IReadOnlyList<BenchmarkRow> rows)
    {
        var cells = rows.Select(Cells).ToList();
        var widths = Headers.Select((h, i) => cells.Select(c => c[i].Length).Append(h.Length).Max()).ToArray();
        var text = new StringBuilder();
        foreach (var (name, value) in facts.Lines()) text.AppendLine($"{name + ":",-12}{value}");
        text.AppendLine();
        text.AppendLine(Line(Headers, widths));
        text.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in cells) text.AppendLine(Line(row, widths));
        text.AppendLine();
        foreach (var note in Notes(rows.Count == 0 ? 0 : rows[0].Runs.Count)) text.AppendLine("* " + note);
        return text.ToString();
    }

    public static string Markdown(RunFacts facts, IReadOnlyList<BenchmarkRow> rows)
    {
        var text = new StringBuilder();
        foreach (var (name, value) in facts.Lines()) text.AppendLine($"- **{name}:** {value}");
        text.AppendLine();
        text.AppendLine("| " + string.Join(" | ", Headers) + " |");
        text.AppendLine("|" + string.Concat(Headers.Select((_, i) => i < 2 ? "---|" : "---:|")));
        foreach (var row in rows) text.AppendLine("| " + string.Join(" | ", Cells(row)) + " |");
        text.AppendLine();
        foreach (var note in Notes(rows.Count == 0 ? 0 : rows[0].Runs.Count)) text.AppendLine("- " + note);
        return text.ToString();
    }

    private static string[] Cells(BenchmarkRow row) =>
    [
        row.Preset,
        row.Method,
        Bytes(row.InputBytes),
        Bytes(row.OutputBytes),
        Seconds(row.Best.Elapsed),
        string.Join(" / ", row.Runs.Select(r => r.Elapsed.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture))),
        row.GigabytesPerSecond.ToString("F2", CultureInfo.InvariantCulture),
        row.Best.CoresBusy.ToString("F2", CultureInfo.InvariantCulture),
        row.PeakRssBytes is long peak ? Megabytes(peak) : "n/a",
        row.PeakAnonymousBytes is long anonymous ? Megabytes(anonymous) : "n/a",
        row.StartRssBytes is long start ? Megabytes(start) : "n/a",
        Megabytes(row.Best.AllocatedBytes),
        $"{Seconds(row.Floor.Total)} ({Seconds(row.Floor.Read)} + {Seconds(row.Floor.Write)})",
        row.FloorRatio.ToString("F2", CultureInfo.InvariantCulture) + "×",
    ];

    private static string Line(IReadOnlyList<string> cells, int[] widths) =>
        string.Join("  ", cells.Select((c, i) => i < 2 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))).TrimEnd();

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture) + " s";

    private static string Megabytes(long bytes) => (bytes / 1e6).ToString("N0", CultureInfo.InvariantCulture) + " MB";

    private static string Bytes(long bytes) => bytes >= 1_000_000_000
        ? (bytes / 1e9).ToString("F2", CultureInfo.InvariantCulture) + " GB"
        : (bytes / 1e6).ToString("F1", CultureInfo.InvariantCulture) + " MB";
}
