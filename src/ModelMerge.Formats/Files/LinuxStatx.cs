using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ModelMerge.Formats.Files;

/// <summary>
/// statx(2), the one Linux call that tells what a path or an open descriptor is: one struct layout on every
/// architecture (struct stat differs between x86_64 and arm64, and glibc before 2.33 exports no fstat symbol at
/// all), and it reports attributes (immutable, mount root) that stat does not. .NET reports neither a FIFO nor a
/// device as such: both look like empty files. Fields are read at their offsets in <c>struct statx</c>
/// (include/uapi/linux/stat.h).
/// </summary>
internal static unsafe class LinuxStatx
{
    private const int CurrentFolder = -100;       // AT_FDCWD
    private const int NoFollow = 0x100;           // AT_SYMLINK_NOFOLLOW
    private const int EmptyPath = 0x1000;         // AT_EMPTY_PATH: stat the descriptor itself
    private const uint BasicStats = 0x7ff;        // STATX_BASIC_STATS: type, mode, inode, size among them
    private const int StructBytes = 256;
    private const int AttributesOffset = 8, ModeOffset = 28, InodeOffset = 32, SizeOffset = 40, AttributesMaskOffset = 56;
    private const int DeviceMajorOffset = 136, DeviceMinorOffset = 140;

    private const int NotPermitted = 1, NotImplemented = 38;

    public const ulong Immutable = 0x10;
    public const ulong AppendOnly = 0x20;
    public const ulong MountRoot = 0x2000;

    /// <summary>What one path is: where it lives (device, inode), its type, size and attributes (immutable, mount root...).</summary>
    public readonly record struct Status(ulong Device, ulong Inode, uint Mode, long Size, ulong Attributes, ulong AttributesMask)
    {
        public bool IsDirectory => (Mode & 0xF000) == 0x4000;

        public FileKind Kind => (Mode & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Folder,
            0x1000 => FileKind.Fifo,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            0xC000 => FileKind.Socket,
            _ => FileKind.Other,
        };

        /// <summary>True when the file system reports <paramref name="attribute"/> at all and it is set.</summary>
        public bool Has(ulong attribute) => (AttributesMask & attribute) != 0 && (Attributes & attribute) != 0;
    }

    /// <summary>
    /// False off Linux, where libc has no statx (glibc before 2.28), and where the kernel or a sandbox refuses it:
    /// callers use .NET's path APIs instead.
    /// </summary>
    public static bool Available { get; } = OperatingSystem.IsLinux() && Probe();

    /// <summary>The status of <paramref name="path"/>, or null when nothing is there or it cannot be examined.</summary>
    public static Status? Of(string path, bool followLinks) =>
        Call(CurrentFolder, path, followLinks ? 0 : NoFollow, out var status) == 0 ? status : null;

    /// <summary>The status of what <paramref name="path"/> names, links followed.</summary>
    /// <exception cref="FileNotFoundException">Nothing is there, or a link leads to nothing.</exception>
    /// <exception cref="UnauthorizedAccessException">A folder on the way may not be searched.</exception>
    /// <exception cref="IOException">The system's reason otherwise (a link loop, an I/O error).</exception>
    public static Status Examine(string path) => Checked(CurrentFolder, path, 0, path);

    /// <summary>The status of the file an open descriptor refers to; <paramref name="shownPath"/> is the path errors name.</summary>
    public static Status Examine(SafeFileHandle handle, string shownPath)
    {
        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            return Checked((int)handle.DangerousGetHandle(), "", EmptyPath, shownPath);
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    private static Status Checked(int folder, string path, int flags, string shownPath)
    {
        int error = Call(folder, path, flags, out var status);
        return error == 0 ? status : throw LinuxErrors.For(error, shownPath);
    }

    /// <summary>0 and the status, or the call's errno.</summary>
    private static int Call(int folder, string path, int flags, out Status status)
    {
        byte* buffer = stackalloc byte[StructBytes];
        if (statx(folder, path, flags, BasicStats, buffer) != 0)
        {
            status = default;
            return Marshal.GetLastPInvokeError();
        }
        ulong device = ((ulong)*(uint*)(buffer + DeviceMajorOffset) << 32) | *(uint*)(buffer + DeviceMinorOffset);
        status = new Status(device, *(ulong*)(buffer + InodeOffset), *(ushort*)(buffer + ModeOffset), *(long*)(buffer + SizeOffset),
            *(ulong*)(buffer + AttributesOffset), *(ulong*)(buffer + AttributesMaskOffset));
        return 0;
    }

    private static bool Probe()
    {
        try
        {
            byte* buffer = stackalloc byte[StructBytes];
            if (statx(CurrentFolder, "/", 0, BasicStats, buffer) == 0) return true;
            // Seccomp profiles of older container runtimes answer EPERM for calls they do not know; statx itself never does.
            return Marshal.GetLastPInvokeError() is not (NotImplemented or NotPermitted);
        }
        catch (EntryPointNotFoundException)
        {
            return false; // glibc before 2.28
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int folder, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte* buffer);
}
