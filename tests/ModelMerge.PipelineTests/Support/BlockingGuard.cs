using System.Diagnostics;

namespace ModelMerge.PipelineTests.Support;

/// <summary>
/// FIFOs for checking that a command refuses one rather than waits on it: opening a FIFO for
/// reading blocks until someone opens it for writing, so a reader that opens one hangs for good.
/// </summary>
public static class BlockingGuard
{
    /// <summary>Makes a FIFO at <paramref name="path"/>; false where the system has none (Windows).</summary>
    public static bool TryMakeFifo(string path)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return false;
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false });
        mkfifo!.WaitForExit();
        return mkfifo.ExitCode == 0;
    }

    /// <summary>
    /// Runs <paramref name="run"/> on a thread of its own; if it has not returned in ten seconds the
    /// test fails, and the FIFO gets a writer so that the blocked reader can end.
    /// </summary>
    public static T Within<T>(string fifo, Func<T> run)
    {
        var running = Task.Factory.StartNew(run, TaskCreationOptions.LongRunning);
        if (!running.Wait(TimeSpan.FromSeconds(10)))
        {
            new Thread(() => { using var writer = new FileStream(fifo, FileMode.Open, FileAccess.Write); }) { IsBackground = true }.Start();
            Assert.Fail($"the command blocked on the FIFO {fifo}");
        }
        return running.Result;
    }
}
