using System.Runtime.InteropServices;

namespace ModelMerge.Formats.Folders;

/// <summary>
/// What is free on the file system holding a path: bytes, and (where statvfs can say) inodes, so a
/// "no space left" can be told apart as a full disk or a file system out of files.
/// </summary>
public sealed record FileSystemSpace(long FreeBytes, long? FreeInodes)
{
    /// <summary>Null when the file system cannot be asked (a vanished mount).</summary>
    public static FileSystemSpace? Of(string path)
    {
        if (OperatingSystem.IsLinux() && Environment.Is64BitProcess)
        {
            // glibc's 64-bit struct statvfs: f_bsize, f_frsize, f_blocks, f_bfree, f_bavail, f_files, f_ffree, f_favail, ...
            Span<ulong> fields = stackalloc ulong[16];
            if (Native.statvfs(path, ref MemoryMarshal.GetReference(fields)) == 0)
                return new FileSystemSpace((long)(fields[4] * fields[1]), (long)fields[7]);
        }
        try
        {
            return new FileSystemSpace(new DriveInfo(path).AvailableFreeSpace, null);
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static class Native
    {
        [DllImport("libc", SetLastError = true)]
        public static extern int statvfs([MarshalAs(UnmanagedType.LPUTF8Str)] string path, ref ulong buffer);
    }
}
