using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ModelMerge.Formats.Safetensors;

/// <summary>
/// Read-ahead advice to the kernel: bytes of a weight file start coming into the page cache
/// while something else computes, so a merge from disk reads and computes at the same time.
/// Advice never changes what a read returns; where the system offers none it is skipped.
/// </summary>
public static class PageAdvice
{
    private const int WillNeed = 3;

    /// <summary>
    /// Starts reading bytes [offset, offset + length) of a file into the page cache without
    /// waiting (Linux): the next tensor's inputs arrive while this one computes. A file that
    /// cannot be opened is left alone; reading it later reports why.
    /// </summary>
    public static void ReadAhead(string path, long offset, long length)
    {
        if (!OperatingSystem.IsLinux() || length <= 0) return;
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            ReadAhead(handle, offset, length);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The same for a file already open.</summary>
    public static void ReadAhead(SafeFileHandle file, long offset, long length)
    {
        if (!OperatingSystem.IsLinux() || length <= 0 || file.IsClosed) return;
        _ = posix_fadvise((int)file.DangerousGetHandle(), offset, length, WillNeed);
    }

    [DllImport("libc")]
    private static extern int posix_fadvise(int descriptor, long offset, long length, int advice);
}
