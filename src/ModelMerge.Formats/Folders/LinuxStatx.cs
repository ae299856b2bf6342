using System.Runtime.InteropServices;

namespace ModelMerge.Formats.Folders;

/// <summary>
/// statx(2): one struct layout on every Linux architecture, where stat's differs between x86_64 and arm64.
/// Fields are read at their offsets in <c>struct statx</c> (include/uapi/linux/stat.h).
/// </summary>
internal static unsafe class LinuxStatx
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint BasicStats = 0x7ff;
    private const int StructBytes = 256;
    private const int NoSuchCall = 38;

    /// <summary>What one path is: where it lives (device, inode), its type and its attributes (immutable, mount root...).</summary>
    public readonly record struct Status(ulong Device, ulong Inode, uint Mode, ulong Attributes, ulong AttributesMask)
    {
        public bool IsDirectory => (Mode & 0xF000) == 0x4000;

        public bool IsLink => (Mode & 0xF000) == 0xA000;

        /// <summary>True when the file system reports <paramref name="attribute"/> at all and it is set.</summary>
        public bool Has(ulong attribute) => (AttributesMask & attribute) != 0 && (Attributes & attribute) != 0;
    }

    public const ulong Immutable = 0x10;
    public const ulong AppendOnly = 0x20;
    public const ulong MountRoot = 0x2000;

    /// <summary>False where libc has no statx (glibc before 2.28, other systems): callers use paths instead.</summary>
    public static bool Available { get; } = OperatingSystem.IsLinux() && Probe();

    /// <summary>The status of <paramref name="path"/>, or null when nothing is there or it cannot be examined.</summary>
    public static Status? Of(string path, bool followLinks)
    {
        byte* buffer = stackalloc byte[StructBytes];
        if (statx(AtFdCwd, path, followLinks ? 0 : AtSymlinkNoFollow, BasicStats, buffer) != 0) return null;
        ulong device = ((ulong)*(uint*)(buffer + 136) << 32) | *(uint*)(buffer + 140);
        return new Status(device, *(ulong*)(buffer + 32), *(ushort*)(buffer + 28), *(ulong*)(buffer + 8), *(ulong*)(buffer + 56));
    }

    private static bool Probe()
    {
        try
        {
            byte* buffer = stackalloc byte[StructBytes];
            return statx(AtFdCwd, "/", 0, BasicStats, buffer) == 0 || Marshal.GetLastPInvokeError() != NoSuchCall;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int directory, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte* buffer);
}
