using System.Runtime.InteropServices;

namespace ModelMerge.Fuzz.Harness;

/// <summary>
/// Named pipes, for checking that readers refuse them rather than block: opening a FIFO for
/// reading waits until someone opens it for writing, so a reader that opens one named like a
/// checkpoint file hangs for good.
/// </summary>
public static partial class UnixFifo
{
    /// <summary>Makes a FIFO at <paramref name="path"/>; false where the system has none (Windows).</summary>
    public static bool TryCreate(string path)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return false;
        try
        {
            return mkfifo(path, Convert.ToUInt32("644", 8)) == 0;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Opens and closes the write end, which lets a reader blocked in opening <paramref name="path"/> go on.</summary>
    public static void Release(string path)
    {
        using var writer = new FileStream(path, FileMode.Open, FileAccess.Write);
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int mkfifo(string path, uint mode);
}
