using ModelMerge.Fuzz.Harness;

namespace ModelMerge.Tests.Formats;

/// <summary>
/// Runs a read that meets a FIFO named like a checkpoint file. Opening a FIFO for reading
/// blocks until a writer comes, so a reader that opens it never returns: the read runs on a
/// thread of its own, and if it has not finished in ten seconds the test fails and lets it go.
/// </summary>
internal static class FifoTrap
{
    public static TException Refusal<TException>(string fifo, Action read) where TException : Exception
    {
        var reading = Task.Factory.StartNew(() => Record.Exception(read), TaskCreationOptions.LongRunning);
        if (!reading.Wait(TimeSpan.FromSeconds(10)))
        {
            new Thread(() => UnixFifo.Release(fifo)) { IsBackground = true }.Start();
            Assert.Fail($"the read blocked on the FIFO {fifo}");
        }
        return Assert.IsType<TException>(reading.Result);
    }
}
