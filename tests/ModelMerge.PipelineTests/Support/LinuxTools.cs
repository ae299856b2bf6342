using System.Diagnostics;

namespace ModelMerge.PipelineTests.Support;

/// <summary>
/// mount, umount and chattr for tests of what only they can make (a bind mount, a read-only or busy mount, an
/// immutable file: we run as root, for whom permission bits refuse nothing), and whether this machine allows them.
/// </summary>
public static class LinuxTools
{
    public static void Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"`{program} {string.Join(' ', arguments)}` failed ({process.ExitCode}): {error.Trim()}");
    }

    /// <summary>Why this machine cannot make a bind mount (not Linux, not root, no mount); null when it can.</summary>
    public static string? CannotMount => CannotMountProbe.Value;

    /// <summary>Why this machine cannot make a file immutable (not Linux, not root, a file system without the attribute); null when it can.</summary>
    public static string? CannotPin => CannotPinProbe.Value;

    private static readonly Lazy<string?> CannotMountProbe = new(() => Probe("a bind mount", folder =>
    {
        string mountPoint = Path.Combine(folder, "mounted");
        Directory.CreateDirectory(mountPoint);
        Run("mount", "--bind", folder, mountPoint);
        Run("umount", mountPoint);
    }));

    private static readonly Lazy<string?> CannotPinProbe = new(() => Probe("an immutable file", folder =>
    {
        string file = Path.Combine(folder, "pinned");
        File.WriteAllText(file, "");
        Run("chattr", "+i", file);
        Run("chattr", "-i", file);
    }));

    private static string? Probe(string what, Action<string> attempt)
    {
        if (!OperatingSystem.IsLinux()) return $"needs Linux to make {what}";
        string folder = Path.Combine(Path.GetTempPath(), "mm-probe-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        try
        {
            attempt(folder);
            return null;
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return $"cannot make {what} here (needs root and a file system that allows it): {ex.Message}";
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }
}
