using System.Diagnostics;
using System.Runtime;
using ModelMerge.Compute;
using ModelMerge.Compute.Cpu;
using ModelMerge.Methods;

namespace ModelMerge.Benchmarks;

/// <summary>
/// DELLA's row ranking on a 1-D tensor of N elements (one row of N) and on ordinary 2-D weights,
/// within the default <see cref="RankingBudget"/> and sorted whole with a table of limits per
/// rank (each row's keys and limits held at once, as the ranking did before the budget), in one process: time, the process's peak RSS (VmHWM, reset before
/// each run) and the most scratch one worker held. The values are generated per element from a
/// counter hash, so no input occupies memory; the two masks are compared bit for bit.
///
///   dotnet run -c Release --project tests/ModelMerge.Benchmarks -- --della-row 67108864 [--whole-up-to N] [--runs N]
/// </summary>
public static class DellaRowBenchmark
{
    public const string Option = "--della-row";

    private static readonly long[][] Ordinary = [[4096, 4096], [11008, 4096], [4096, 11008], [2048, 16384]];

    public static int Run(IReadOnlyList<string> args)
    {
        long length = 1L << 26;
        long wholeUpTo = long.MaxValue;
        int runs = 1;
        for (int i = 0; i < args.Count; i++)
        {
            string option = args[i];
            string? Value() => i + 1 < args.Count ? args[++i] : null;
            switch (option)
            {
                case Option when long.TryParse(Value(), out long n) && n > 0 && n <= int.MaxValue: length = n; break;
                case "--whole-up-to" when long.TryParse(Value(), out long n) && n >= 0: wholeUpTo = n; break;
                case "--runs" when int.TryParse(Value(), out int n) && n > 0: runs = n; break;
                default:
                    Console.Error.WriteLine($"Unknown argument or bad value: {option}");
                    Console.Error.WriteLine($"Usage: modelmerge-benchmarks {Option} N [--whole-up-to N] [--runs N]");
                    return 2;
            }
        }
#if DEBUG
        Console.WriteLine("WARNING: Debug build. Use -c Release for figures.");
#endif
        var runner = new ChunkRunner(Environment.ProcessorCount);
        Console.WriteLine($"DELLA row ranking, {Environment.ProcessorCount} threads, budget {RankingBudget.DefaultBytes >> 20} MiB; best of {runs}.");
        Console.WriteLine($"{"shape",-16} {"ranking",-14} {"seconds",8} {"peak RSS MB",12} {"scratch MB",11}  mask");
        foreach (var shape in Ordinary.Append([length]))
        {
            long elements = shape.Aggregate(1L, (a, b) => a * b);
            var bounded = Measure(shape, new RankingBudget(), Computed, runner, runs);
            Print(shape, "bounded", bounded, "");
            if (elements > wholeUpTo)
            {
                bounded.Mask.Dispose();
                continue;
            }
            var whole = Measure(shape, new RankingBudget(long.MaxValue), Tabled, runner, runs);
            Print(shape, "sorted whole", whole, Same(bounded.Mask, whole.Mask) ? "identical" : "DIFFERS");
            bounded.Mask.Dispose();
            whole.Mask.Dispose();
        }
        return 0;
    }

    private sealed record Result(TimeSpan Time, long? PeakRss, long Scratch, ElementMask Mask);

    private const double Density = 0.5, Epsilon = 0.1;

    /// <summary>The limits as RankedDrop asks for them now: a table up to 64 Ki ranks, computed per rank past it.</summary>
    private static RankKeepLimits Computed(long rowLength) => RankKeepLimits.ForDella(rowLength, Density, Epsilon);

    /// <summary>The limits as RankedDrop asked for them before: every rank's probability, then every rank's limit, in arrays.</summary>
    private static RankKeepLimits Tabled(long rowLength) =>
        RankKeepLimits.FromTable(Array.ConvertAll(RankedDrop.KeepProbabilities(rowLength, Density, Epsilon), CounterRandom.KeepLimit));

    private static Result Measure(long[] shape, RankingBudget budget, Func<long, RankKeepLimits> keepLimits, ChunkRunner runner, int runs)
    {
        var rows = RankedDrop.Rows(shape);
        var source = new HashedWeights(rows.Length);
        ulong key = CounterRandom.Key(3, "model.layers.0.mlp.down_proj.weight", 1);
        Result? best = null;
        for (int run = 0; run < runs; run++)
        {
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            using var memory = PeakMemory.Start();
            var clock = Stopwatch.StartNew();
            var mask = RowRankedMask.Build(source, rows, key, keepLimits(rows.RowLength), runner, budget);
            var time = clock.Elapsed;
            var use = memory.Stop();
            if (best is null || time < best.Time)
            {
                best?.Mask.Dispose();
                best = new Result(time, use.PeakRss, budget.PeakBytes, mask);
            }
            else mask.Dispose();
        }
        return best!;
    }

    private static void Print(long[] shape, string ranking, Result result, string mask) =>
        Console.WriteLine($"{string.Join('×', shape),-16} {ranking,-14} {result.Time.TotalSeconds,8:F2} {Mb(result.PeakRss),12} {result.Scratch / 1048576.0,11:F1}  {mask}");

    private static string Mb(long? bytes) => bytes is long b ? (b / 1048576.0).ToString("F0") : "n/a";

    private static bool Same(ElementMask a, ElementMask b)
    {
        for (long j = 0; j < a.Length; j++)
            if (a.Keeps(j) != b.Keeps(j)) return false;
        return true;
    }

    /// <summary>Weight-like values (a sum of three uniforms, ±0.03) from a counter hash of the index: no memory, the same every run.</summary>
    private sealed class HashedWeights(long length) : IChunkSource
    {
        public long Length => length;

        public void Read(long start, Span<float> destination)
        {
            for (int i = 0; i < destination.Length; i++)
            {
                ulong h = CounterRandom.Mix((ulong)(start + i) * CounterRandom.Golden);
                double sum = (h & 0x1F_FFFF) + ((h >> 21) & 0x1F_FFFF) + ((h >> 42) & 0x1F_FFFF);
                destination[i] = (float)((sum / 0x1F_FFFF - 1.5) * 0.02);
            }
        }
    }
}
