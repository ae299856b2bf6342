namespace ModelMerge.Benchmarks;

/// <summary>Memory over one run, in bytes; null where the platform does not report it.</summary>
/// <param name="PeakRss">The kernel's high-water mark (VmHWM): exact, but it counts pages of mapped input files too.</param>
/// <param name="PeakAnonymous">The largest RssAnon seen by polling: heap and buffers only, and a sample, so a lower bound.</param>
/// <param name="StartRss">Resident bytes when the run began.</param>
public sealed record MemoryUse(long? PeakRss, long? PeakAnonymous, long? StartRss);

/// <summary>
/// The process's peak memory over one measured run, from Linux's /proc/self/status. The
/// kernel keeps one high-water mark per process, so it is reset (clear_refs = 5) when a run
/// starts. Both figures include the .NET runtime and the PowerShell engine, not just the
/// merge. The exporter maps its inputs, and mapped file pages count in VmHWM although the
/// kernel can drop them at will; polling RssAnon separates the memory the merge allocates.
/// </summary>
public sealed class PeakMemory : IDisposable
{
    private const string ClearRefs = "/proc/self/clear_refs";
    private const string Status = "/proc/self/status";
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    private readonly bool _reset;
    private readonly long? _startRss;
    private readonly Thread? _poller;
    private volatile bool _stopping;
    private long _peakAnonymous = -1;

    private PeakMemory()
    {
        if (!IsSupported) return;
        _reset = TryReset();
        _startRss = StatusKilobytes("VmRSS:") * 1024;
        _poller = new Thread(Poll) { IsBackground = true, Name = "RssAnon poller", Priority = ThreadPriority.AboveNormal };
        _poller.Start();
    }

    /// <summary>True when /proc/self/status can be read (Linux).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && File.Exists(Status);

    /// <summary>Starts watching; call <see cref="Stop"/> as soon as the measured work ends.</summary>
    public static PeakMemory Start() => new();

    public MemoryUse Stop()
    {
        StopPolling();
        if (!IsSupported) return new MemoryUse(null, null, null);
        long? peakRss = _reset ? StatusKilobytes("VmHWM:") * 1024 : null;
        return new MemoryUse(peakRss, Math.Max(_peakAnonymous, (StatusKilobytes("RssAnon:") ?? 0) * 1024), _startRss);
    }

    private static bool TryReset()
    {
        try
        {
            File.WriteAllText(ClearRefs, "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private void Poll()
    {
        while (!_stopping)
        {
            if (StatusKilobytes("RssAnon:") is long kilobytes) _peakAnonymous = Math.Max(_peakAnonymous, kilobytes * 1024);
            Thread.Sleep(PollInterval);
        }
    }

    private void StopPolling()
    {
        _stopping = true;
        _poller?.Join();
    }

    private static long? StatusKilobytes(string field)
    {
        foreach (var line in File.ReadLines(Status))
        {
            if (!line.StartsWith(field, StringComparison.Ordinal)) continue;
            var value = line[field.Length..].Trim();
            if (value.EndsWith(" kB", StringComparison.Ordinal)) value = value[..^3];
            return long.TryParse(value, out long kilobytes) ? kilobytes : null;
        }
        return null;
    }

    public void Dispose() => StopPolling();
}
