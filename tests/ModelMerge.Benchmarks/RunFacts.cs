using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;

namespace ModelMerge.Benchmarks;

/// <summary>What a reader needs to compare a table with their own: the machine, the code, how busy the machine was.</summary>
public sealed record RunFacts(string Module, int Cores, string Cpu, string Memory, string OperatingSystem, string Runtime,
    string PowerShell, string Build, DateTimeOffset Date, string? LoadAverage)
{
    public static RunFacts Collect() => new(
        "ModelMerge " + InformationalVersion(typeof(ModelMerge.Commands.GetCheckpointCommand).Assembly),
        Environment.ProcessorCount,
        CpuModel() ?? RuntimeInformation.ProcessArchitecture.ToString(),
        $"{GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (double)(1L << 30):F1} GiB",
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        "System.Management.Automation " + InformationalVersion(typeof(PSObject).Assembly, stopAtSourceRevision: true),
#if DEBUG
        "Debug (figures not representative: use -c Release)",
#else
        "Release",
#endif
        DateTimeOffset.UtcNow,
        File.Exists("/proc/loadavg") ? string.Join(" / ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : null);

    public IEnumerable<(string Name, string Value)> Lines()
    {
        yield return ("Date", Date.ToString("yyyy-MM-dd HH:mm 'UTC'"));
        // The SDK appends the commit the module was built from; uncommitted edits in that tree do not show.
        yield return ("Code", Module);
        yield return ("CPU", $"{Cpu}, {Cores} logical cores");
        yield return ("Memory", Memory);
        yield return ("OS", OperatingSystem);
        yield return (".NET", Runtime);
        yield return ("PowerShell", PowerShell);
        yield return ("Build", Build);
        // Other processes competing for the cores show up here: the timings are only as quiet as the machine.
        if (LoadAverage is not null) yield return ("Load", $"{LoadAverage} (1 / 5 / 15 min averages before the merges)");
    }

    /// <summary>
    /// The product version, which unlike the assembly version tells patch releases apart
    /// (PowerShell's assemblies say 7.6.0 for every 7.6.x) and carries the source commit.
    /// </summary>
    private static string InformationalVersion(Assembly assembly, bool stopAtSourceRevision = false)
    {
        string? informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (informational is null) return assembly.GetName().Version?.ToString(3) ?? "?";
        informational = informational.Split(' ')[0];
        return stopAtSourceRevision ? informational.Split('+')[0] : informational;
    }

    private static string? CpuModel()
    {
        const string cpuinfo = "/proc/cpuinfo";
        if (!File.Exists(cpuinfo)) return null;
        return File.ReadLines(cpuinfo)
            .FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
            ?.Split(':', 2)[1].Trim();
    }
}
