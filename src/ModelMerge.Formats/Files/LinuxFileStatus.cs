using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ModelMerge.Formats.Files;

/// <summary>
/// statx(2), the one Linux call that tells a file's type and size from a path or an open
/// descriptor with one struct layout on every architecture (struct stat differs between x64
/// and arm64, and glibc before 2.33 exports no fstat symbol at all). .NET reports neither a
/// FIFO nor a device as such: both look like empty files.
/// </summary>
internal static unsafe class LinuxFileStatus
{
    private const int CurrentFolder = -100;     // AT_FDCWD
    private const int EmptyPath = 0x1000;        // AT_EMPTY_PATH: stat the descriptor itself
    private const uint TypeAndSize = 0x1 | 0x200; // STATX_TYPE | STATX_SIZE
    private const int ModeOffset = 28, SizeOffset = 40, StructBytes = 256;

    private const int ReadOnly = 0, NoControllingTerminal = 0x100, NonBlocking = 0x800, CloseOnExec = 0x80000;

    private const int NoEntry = 2, NotPermitted = 1, AccessDenied = 13, NotAFolder = 20, NotImplemented = 38;

    private static volatile bool _unavailable = !OperatingSystem.IsLinux();

    /// <summary>False off Linux, and on kernels or sandboxes without statx.</summary>
    public static bool Available => !_unavailable;

    /// <summary>The kind and size of what <paramref name="path"/> names, links followed; null when statx is unavailable.</summary>
    public static (FileKind Kind, long Length)? OfPath(string path) => Query(CurrentFolder, path, 0, path);

    /// <summary>The kind and size of the file an open descriptor refers to; null when statx is unavailable.</summary>
    public static (FileKind Kind, long Length)? OfHandle(SafeFileHandle handle, string path)
    {
        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            return Query((int)handle.DangerousGetHandle(), "", EmptyPath, path);
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    /// <summary>
    /// Opens <paramref name="path"/> for reading without waiting: O_NONBLOCK makes opening a FIFO
    /// return at once (a blocking open waits for a writer forever); it changes nothing for a regular file.
    /// </summary>
    public static SafeFileHandle OpenForReading(string path)
    {
        int descriptor = Native.open(path, ReadOnly | NonBlocking | CloseOnExec | NoControllingTerminal);
        if (descriptor < 0) throw ErrorFor(Marshal.GetLastPInvokeError(), path);
        return new SafeFileHandle(descriptor, ownsHandle: true);
    }

    private static (FileKind, long)? Query(int folder, string path, int flags, string shownPath)
    {
        if (_unavailable) return null;
        byte* buffer = stackalloc byte[StructBytes];
        int result;
        try
        {
            result = Native.statx(folder, path, flags, TypeAndSize, buffer);
        }
        catch (EntryPointNotFoundException)
        {
            _unavailable = true; // glibc before 2.28
            return null;
        }
        if (result != 0)
        {
            int error = Marshal.GetLastPInvokeError();
            // Seccomp profiles of older container runtimes answer EPERM for calls they do not know.
            if (error is NotImplemented or NotPermitted)
            {
                _unavailable = true;
                return null;
            }
            throw ErrorFor(error, shownPath);
        }
        ushort mode = *(ushort*)(buffer + ModeOffset);
        long length = *(long*)(buffer + SizeOffset);
        return (KindOf(mode), length);
    }

    private static FileKind KindOf(ushort mode) => (mode & 0xF000) switch
    {
        0x8000 => FileKind.Regular,
        0x4000 => FileKind.Folder,
        0x1000 => FileKind.Fifo,
        0x2000 => FileKind.CharacterDevice,
        0x6000 => FileKind.BlockDevice,
        0xC000 => FileKind.Socket,
        _ => FileKind.Other,
    };

    /// <summary>The exceptions .NET's own file APIs throw for these errors, so callers keep their catch clauses.</summary>
    private static Exception ErrorFor(int error, string path)
    {
        string reason = Marshal.GetPInvokeErrorMessage(error);
        return error switch
        {
            NoEntry or NotAFolder => new FileNotFoundException($"{reason}: '{path}'", path),
            AccessDenied => new UnauthorizedAccessException($"{reason}: '{path}'"),
            _ => new IOException($"{reason}: '{path}'", error),
        };
    }

    private static class Native
    {
        [DllImport("libc", SetLastError = true)]
        public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", SetLastError = true)]
        public static extern int statx(int folder, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte* buffer);
    }
}
