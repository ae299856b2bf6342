using System.Runtime.InteropServices;

namespace ModelMerge.Formats.Safetensors;

/// <summary>
/// Advice to the kernel about a read-only file mapping. Mapped file pages count toward a
/// process's resident set until they are unmapped, so a pass that streams through a large
/// tensor lets go of the pages behind it (they stay in the page cache: touching them again is a
/// minor fault, not a read) and asks for the pages ahead to be read while it computes. Advice
/// never changes what a read returns; where the system offers none (Windows) it is skipped.
/// </summary>
public static unsafe class PageAdvice
{
    private const int WillNeed = 3;
    private const int DontNeed = 4;

    private static readonly bool Supported = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD();

    private static readonly nuint PageSize = (nuint)Environment.SystemPageSize;

    /// <summary>Drops the mapped pages that overlap [start, start + length) from the resident set.</summary>
    internal static void Release(byte* mappingStart, byte* mappingEnd, byte* start, long length) =>
        Advise(mappingStart, mappingEnd, start, length, DontNeed);

    /// <summary>Starts reading [start, start + length) into the page cache without waiting for it.</summary>
    internal static void ReadAhead(byte* mappingStart, byte* mappingEnd, byte* start, long length) =>
        Advise(mappingStart, mappingEnd, start, length, WillNeed);

    /// <summary>Widens the range to whole pages, kept inside the mapping (whose start is page-aligned).</summary>
    private static void Advise(byte* mappingStart, byte* mappingEnd, byte* start, long length, int advice)
    {
        if (!Supported || length <= 0) return;
        nuint first = Math.Max((nuint)start & ~(PageSize - 1), (nuint)mappingStart);
        nuint end = Math.Min(((nuint)start + (nuint)length + PageSize - 1) & ~(PageSize - 1), ((nuint)mappingEnd + PageSize - 1) & ~(PageSize - 1));
        if (end <= first) return;
        // Advisory: a refusal leaves the pages as they were, which is only slower or larger.
        _ = madvise((void*)first, end - first, advice);
    }

    /// <summary>
    /// Starts reading bytes [offset, offset + length) of a file into the page cache without
    /// waiting and without mapping them (Linux): the next tensor's inputs arrive while this one
    /// computes. A file that cannot be opened is left alone; reading it later reports why.
    /// </summary>
    public static void ReadAhead(string path, long offset, long length)
    {
        if (!OperatingSystem.IsLinux() || length <= 0) return;
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            _ = posix_fadvise((int)handle.DangerousGetHandle(), offset, length, WillNeed);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    [DllImport("libc")]
    private static extern int madvise(void* address, nuint length, int advice);

    [DllImport("libc")]
    private static extern int posix_fadvise(int descriptor, long offset, long length, int advice);
}
