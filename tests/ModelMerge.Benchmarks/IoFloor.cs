using System.Diagnostics;

namespace ModelMerge.Benchmarks;

/// <summary>How long plain file I/O takes to move a merge's bytes: no parsing, no math.</summary>
public sealed record IoFloorResult(TimeSpan Read, TimeSpan Write, long BytesRead, long BytesWritten)
{
    public TimeSpan Total => Read + Write;
}

/// <summary>
/// The I/O floor a merge is compared with: read every input weight file once, and write
/// (and fsync, as the exporter does per shard) as many bytes as the merge writes, both in
/// 16 MB blocks through FileStream. Measured in the same run as the merge so that both see
/// the same disk and the same page cache.
/// </summary>
public static class IoFloor
{
    private const int BlockBytes = 16 << 20;

    /// <param name="beforeRead">Runs before the reads start, outside the timing (the cold runs empty the page cache).</param>
    public static IoFloorResult Measure(IReadOnlyList<string> inputFiles, long outputBytes, string scratchFolder, Action? beforeRead = null)
    {
        var buffer = GC.AllocateUninitializedArray<byte>(BlockBytes);
        beforeRead?.Invoke();
        var read = ReadAll(inputFiles, buffer, out long bytesRead);
        // Random content, so a filesystem that compresses or deduplicates cannot write less than a merge would.
        Random.Shared.NextBytes(buffer);
        var write = WriteAndSync(Path.Combine(scratchFolder, $"io-floor-{Environment.ProcessId}.tmp"), outputBytes, buffer);
        return new IoFloorResult(read, write, bytesRead, outputBytes);
    }

    private static TimeSpan ReadAll(IReadOnlyList<string> files, byte[] buffer, out long total)
    {
        total = 0;
        var clock = Stopwatch.StartNew();
        foreach (var file in files)
        {
            // bufferSize 0: FileStream's own buffer would only add a copy to 16 MB reads.
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
            int n;
            while ((n = stream.Read(buffer, 0, buffer.Length)) > 0) total += n;
        }
        return clock.Elapsed;
    }

    private static TimeSpan WriteAndSync(string path, long bytes, byte[] buffer)
    {
        try
        {
            var clock = Stopwatch.StartNew();
            using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                for (long done = 0; done < bytes; done += buffer.Length)
                    stream.Write(buffer, 0, (int)Math.Min(buffer.Length, bytes - done));
                stream.Flush(flushToDisk: true);
            }
            return clock.Elapsed;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
