using System.Runtime.InteropServices;

namespace ModelMerge.Formats.Folders;

/// <summary>A folder's path with every link resolved, so later work on it cannot be redirected by swapping a link.</summary>
internal static class RealPath
{
    /// <summary>The resolved path of the existing <paramref name="path"/>; the path itself where the OS offers no realpath.</summary>
    public static string Of(string path)
    {
        if (OperatingSystem.IsWindows()) return path;
        IntPtr resolved = Native.realpath(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero) return path;
        try { return Marshal.PtrToStringUTF8(resolved) ?? path; }
        finally { Native.free(resolved); }
    }

    private static class Native
    {
        [DllImport("libc", SetLastError = true)]
        public static extern IntPtr realpath([MarshalAs(UnmanagedType.LPUTF8Str)] string path, IntPtr resolved);

        [DllImport("libc")]
        public static extern void free(IntPtr pointer);
    }
}
