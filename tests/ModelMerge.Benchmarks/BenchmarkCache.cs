using System.Diagnostics;
using ModelMerge.TestData;

namespace ModelMerge.Benchmarks;

/// <summary>The generated inputs of one preset: model folders and the weight files inside them.</summary>
public sealed record BenchmarkInputs(string Folder, string Base, IReadOnlyList<string> FineTuned)
{
    public IEnumerable<string> ModelFolders => FineTuned.Prepend(Base);

    public IReadOnlyList<string> InputWeightFiles => ModelFolders.SelectMany(WeightFiles).ToList();

    public long InputBytes => InputWeightFiles.Sum(f => new FileInfo(f).Length);

    /// <summary>The weight files of the models named (base, ft1, ft2, ...).</summary>
    public IReadOnlyList<string> WeightFilesOf(IEnumerable<string> models) =>
        models.SelectMany(m => WeightFiles(m == "base" ? Base : FineTuned[int.Parse(m[2..], System.Globalization.CultureInfo.InvariantCulture) - 1])).ToList();

    /// <summary>What a merge writes: as many weight bytes as the base holds.</summary>
    public long BaseBytes => WeightFiles(Base).Sum(f => new FileInfo(f).Length);

    public static IReadOnlyList<string> WeightFiles(string folder) =>
        Directory.GetFiles(folder, "*.safetensors").Order(StringComparer.Ordinal).ToList();
}

/// <summary>
/// Generates a preset's checkpoints once and reuses them: TinyLlama's three models take
/// minutes to write. A marker written last names exactly what was generated, so a run
/// interrupted mid-generation, or a changed preset, regenerates instead of benchmarking
/// a truncated or stale folder.
/// </summary>
public static class BenchmarkCache
{
    private const string MarkerName = "generated.txt";

    public static string DefaultRoot =>
        Environment.GetEnvironmentVariable("MODELMERGE_BENCH_CACHE") is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : Path.Combine(RepositoryRoot(), ".bench-cache");

    public static BenchmarkInputs Ensure(string root, BenchmarkPreset preset, TextWriter log)
    {
        string folder = Path.Combine(Path.GetFullPath(root), preset.Name);
        var inputs = new BenchmarkInputs(folder, Path.Combine(folder, "base"), [Path.Combine(folder, "ft1"), Path.Combine(folder, "ft2")]);
        string marker = Path.Combine(folder, MarkerName);
        string expected = Describe(preset);
        if (File.Exists(marker) && File.ReadAllText(marker) == expected)
        {
            log.WriteLine($"Using cached inputs in {folder}");
            return inputs;
        }

        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        Directory.CreateDirectory(folder);
        foreach (var (name, model) in preset.Models)
        {
            var clock = Stopwatch.StartNew();
            log.Write($"Generating {preset.Name}/{name} ... ");
            LlamaCheckpointGenerator.Write(Path.Combine(folder, name), model);
            log.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s");
        }
        File.WriteAllText(marker, expected);
        return inputs;
    }

    private static string Describe(BenchmarkPreset preset) =>
        string.Join(Environment.NewLine, preset.Models.Select(m => $"{m.Name}: {m.Model}")) + Environment.NewLine;

    /// <summary>The folder holding ModelMerge.sln, found upward from the working directory or the program.</summary>
    private static string RepositoryRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "ModelMerge.sln"))) return dir.FullName;
        return Environment.CurrentDirectory;
    }
}
