using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text;

namespace ModelMerge.Benchmarks;

/// <summary>
/// The fixed cost per tensor: a base and two fine-tunes of N tiny bf16 tensors (16 elements
/// each), so the data costs next to nothing and what is timed is the work every tensor brings
/// with it — planning, opening, scheduling, writing its header entry. A TIES export is set
/// against a plain copy of the base from the same run.
///
///   dotnet run -c Release --project tests/ModelMerge.Benchmarks -- --many-tensors N [--cache DIR]
/// </summary>
public static class ManyTensorsBenchmark
{
    public const string Option = "--many-tensors";

    private const int Elements = 16;

    public static int Run(IReadOnlyList<string> args)
    {
        string cacheRoot = BenchmarkCache.DefaultRoot;
        int count = 0;
        for (int i = 0; i < args.Count; i++)
        {
            string option = args[i];
            string? Value() => i + 1 < args.Count ? args[++i] : null;
            switch (option)
            {
                case "--cache" when Value() is string root: cacheRoot = root; break;
                case var n when count == 0 && int.TryParse(n, out int parsed) && parsed > 0: count = parsed; break;
                default:
                    Console.Error.WriteLine($"Unknown argument or bad value: {option}");
                    Console.Error.WriteLine($"Usage: modelmerge-benchmarks {Option} N [--cache DIR]");
                    return 2;
            }
        }
        if (count == 0) count = 10_000;

        string folder = Path.Combine(cacheRoot, $"many-tensors-{count}");
        string[] models = ["base", "ft1", "ft2"];
        for (int m = 0; m < models.Length; m++) Write(Path.Combine(folder, models[m]), count, seed: m);
        Console.WriteLine($"ModelMerge benchmark: {count} tensors of {Elements} bf16 elements in each of base, ft1, ft2 ({folder}).");

        var state = InitialSessionState.CreateDefault2();
        state.ImportPSModule(Path.Combine(AppContext.BaseDirectory, "ModelMerge.psd1"));
        using var runspace = RunspaceFactory.CreateRunspace(state);
        runspace.Open();
        runspace.SessionStateProxy.Path.SetLocation(folder);

        // A small warm-up compiles the cmdlets and plans so the first timed step does not pay for the JIT.
        Time(runspace, "Get-Checkpoint ./base | Get-TaskVector ./ft1 | Invoke-TiesMerge | Out-Null");
        var build = Time(runspace, "$merged = Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-TiesMerge -Density 0.5");
        var copy = Time(runspace, "Get-Checkpoint ./base | Export-Checkpoint ./copy -Force");
        var ties = Time(runspace, "$merged | Export-Checkpoint ./ties -Force");

        var table = new StringBuilder();
        table.AppendLine("| tensors | build (TIES) | copy export | TIES export | TIES / copy | per tensor: copy / TIES |");
        table.AppendLine("|---:|---:|---:|---:|---:|---:|");
        table.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"| {count} | {build.TotalSeconds:F2} s | {copy.TotalSeconds:F2} s | {ties.TotalSeconds:F2} s | {ties / copy:F2}× | " +
            $"{copy.TotalMilliseconds / count * 1000:F0} µs / {ties.TotalMilliseconds / count * 1000:F0} µs |"));
        Console.WriteLine();
        Console.Write(table);
        return 0;
    }

    private static TimeSpan Time(Runspace runspace, string script)
    {
        using var shell = PowerShell.Create(runspace);
        shell.AddScript(script);
        GC.Collect();
        var clock = Stopwatch.StartNew();
        shell.Invoke();
        var elapsed = clock.Elapsed;
        if (shell.HadErrors)
            throw new InvalidOperationException(string.Join(Environment.NewLine, shell.Streams.Error.Select(e => e.ToString())));
        return elapsed;
    }

    /// <summary>One safetensors file of <paramref name="count"/> [16] bf16 tensors with small seeded values, and a config.json.</summary>
    private static void Write(string folder, int count, int seed)
    {
        string file = Path.Combine(folder, "model.safetensors");
        if (File.Exists(file)) return;
        Directory.CreateDirectory(folder);
        var header = new StringBuilder("{");
        for (int t = 0; t < count; t++)
        {
            long begin = (long)t * Elements * 2;
            header.Append(CultureInfo.InvariantCulture,
                $"\"model.layers.{t / 16}.block.t{t % 16}.weight\":{{\"dtype\":\"BF16\",\"shape\":[{Elements}],\"data_offsets\":[{begin},{begin + Elements * 2}]}},");
        }
        header.Length--;
        header.Append('}');
        while ((header.Length + 8) % 8 != 0) header.Append(' ');
        var random = new Random(seed * 7919 + count);
        var data = new byte[(long)count * Elements * 2];
        for (int i = 0; i < data.Length; i += 2)
        {
            uint bits = BitConverter.SingleToUInt32Bits((float)(random.NextDouble() - 0.5) * 0.02f);
            data[i] = (byte)(bits >> 16);
            data[i + 1] = (byte)(bits >> 24);
        }
        byte[] headerBytes = Encoding.UTF8.GetBytes(header.ToString());
        using (var stream = File.Create(file))
        {
            stream.Write(BitConverter.GetBytes((ulong)headerBytes.Length));
            stream.Write(headerBytes);
            stream.Write(data);
        }
        File.WriteAllText(Path.Combine(folder, "config.json"), "{\"architectures\":[\"LlamaForCausalLM\"],\"model_type\":\"llama\"}");
    }
}
