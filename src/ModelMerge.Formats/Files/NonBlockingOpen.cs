using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ModelMerge.Formats.Files;

/// <summary>
/// open(2) for reading without waiting: O_NONBLOCK makes opening a FIFO return at once (a blocking open waits for a
/// writer forever); it changes nothing for a regular file. Linux only: callers check <see cref="LinuxStatx.Available"/>.
/// </summary>
internal static class NonBlockingOpen
{
    private const int ReadOnly = 0, NoControllingTerminal = 0x100, NonBlocking = 0x800, CloseOnExec = 0x80000;

    /// <summary>A descriptor for reading <paramref name="path"/>, links followed.</summary>
    /// <exception cref="FileNotFoundException">Nothing is there, or a link leads to nothing.</exception>
    /// <exception cref="UnauthorizedAccessException">Reading is not permitted.</exception>
    /// <exception cref="IOException">The system's reason otherwise.</exception>
    public static SafeFileHandle ForReading(string path)
    {
        int descriptor = open(path, ReadOnly | NonBlocking | CloseOnExec | NoControllingTerminal);
        if (descriptor < 0) throw LinuxErrors.For(Marshal.GetLastPInvokeError(), path);
        return new SafeFileHandle(descriptor, ownsHandle: true);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
}
