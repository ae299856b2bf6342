using System.Runtime.InteropServices;

namespace ModelMerge.Benchmarks;

/// <summary>
/// Empties the kernel's page cache, so that a run reads its inputs from the disk as a merge of
/// freshly downloaded checkpoints does. Linux only, and only for root.
/// </summary>
public static class PageCache
{
    private const string Control = "/proc/sys/vm/drop_caches";

    public static bool CanDrop => OperatingSystem.IsLinux() && File.Exists(Control) && Environment.UserName == "root";

    public static void Drop()
    {
        sync();
        File.WriteAllText(Control, "3");
    }

    [DllImport("libc")]
    private static extern void sync();
}
