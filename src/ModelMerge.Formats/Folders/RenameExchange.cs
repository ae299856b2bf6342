using System.Runtime.InteropServices;

namespace ModelMerge.Formats.Folders;

/// <summary>
/// renameat2(RENAME_EXCHANGE) (Linux 3.15): two paths swap what they name in one step, so there is no moment at
/// which neither the old nor the new folder is at the target.
/// </summary>
internal static class RenameExchange
{
    private const int AtFdCwd = -100;
    private const uint Exchange = 2;
    private const int InvalidArgument = 22;
    private const int NoSuchCall = 38;
    private const int NotSupported = 95;

    /// <summary>
    /// Swaps <paramref name="first"/> and <paramref name="second"/>. False where the system or file system cannot
    /// (not Linux, an old libc, NFS...), and nothing was changed; an IOException whose HResult is the errno when it
    /// refused (EBUSY for a mount point, EPERM for an immutable folder, EROFS), and nothing was changed either.
    /// </summary>
    public static bool TrySwap(string first, string second)
    {
        if (!OperatingSystem.IsLinux()) return false;
        int result;
        try
        {
            result = renameat2(AtFdCwd, first, AtFdCwd, second, Exchange);
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
        if (result == 0) return true;
        int error = Marshal.GetLastPInvokeError();
        if (error is InvalidArgument or NoSuchCall or NotSupported) return false;
        throw new IOException($"cannot swap '{second}' for the finished folder: {Marshal.GetPInvokeErrorMessage(error)}", error);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int renameat2(int fromDirectory, [MarshalAs(UnmanagedType.LPUTF8Str)] string from, int toDirectory,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string to, uint flags);
}
