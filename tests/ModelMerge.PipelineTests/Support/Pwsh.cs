using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ModelMerge.PipelineTests.Support;

/// <summary>
/// A real pwsh, run as a separate process with the built module, for what a hosted engine cannot show:
/// how the process itself reacts to signals. Found through MODELMERGE_PWSH or ../shared/tools/pwsh/pwsh
/// beside the repository, as .ci/run finds it.
/// </summary>
public static class Pwsh
{
    public static string? Location { get; } = Find();

    public const string Missing = "no pwsh: set MODELMERGE_PWSH or provide ../shared/tools/pwsh/pwsh beside the repository";

    /// <summary>Starts <paramref name="script"/> (the module already imported) in <paramref name="folder"/>, non-interactively, as a runbook runs.</summary>
    public static Process Start(string folder, string script)
    {
        string file = Path.Combine(folder, $"runbook-{Guid.NewGuid():N}.ps1");
        File.WriteAllText(file, $"$ErrorActionPreference = 'Stop'\nImport-Module '{PowerShellSession.ModulePath}'\n{script}\n");
        var start = new ProcessStartInfo(Location ?? throw new InvalidOperationException(Missing))
        {
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in new[] { "-NoProfile", "-NonInteractive", "-File", file }) start.ArgumentList.Add(argument);
        var process = Process.Start(start)!;
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public static void Signal(Process process, int signal)
    {
        if (kill(process.Id, signal) != 0) throw new InvalidOperationException($"kill({process.Id}, {signal}) failed: {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Waits until <paramref name="found"/> holds, or fails the test after <paramref name="seconds"/>.</summary>
    public static void WaitFor(Func<bool> found, string what, Process process, int seconds = 120)
    {
        var clock = Stopwatch.StartNew();
        while (!found())
        {
            if (process.HasExited) throw new Xunit.Sdk.XunitException($"pwsh exited ({process.ExitCode}) before {what}.");
            if (clock.Elapsed.TotalSeconds > seconds) throw new Xunit.Sdk.XunitException($"no {what} after {seconds} s.");
            Thread.Sleep(20);
        }
    }

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable("MODELMERGE_PWSH") is { Length: > 0 } given && File.Exists(given)) return given;
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (!File.Exists(Path.Combine(folder.FullName, "ModelMerge.sln"))) continue;
            string beside = Path.GetFullPath(Path.Combine(folder.FullName, "..", "shared", "tools", "pwsh", "pwsh"));
            return File.Exists(beside) ? beside : null;
        }
        return null;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
