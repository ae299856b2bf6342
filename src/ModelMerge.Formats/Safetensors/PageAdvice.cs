using System.Runtime.InteropServices;

namespace ModelMerge.Formats.Safetensors;

/// <summary>
/// Advice to the kernel about a read-only file mapping. Mapped file pages count toward a
/// process's resident set until they are unmapped, so a pass that streams through a large
/// tensor lets go of the pages behind it (they stay in the page cache: touching them again is a
/// minor fault, not a read) and asks for the pages ahead to be read while it computes. Advice
/// never changes what a read returns; where the system offers none (Windows) it is skipped.
/// </summary>
internal static unsafe class PageAdvice
{
    private const int WillNeed = 3;
    private const int DontNeed = 4;

    private static readonly bool Supported = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD();

    private static readonly nuint PageSize = (nuint)Environment.SystemPageSize;

    /// <summary>Drops the mapped pages that overlap [start, start + length) from the resident set.</summary>
    public static void Release(byte* mappingStart, byte* mappingEnd, byte* start, long length) =>
        Advise(mappingStart, mappingEnd, start, length, DontNeed);

    /// <summary>Starts reading [start, start + length) into the page cache without waiting for it.</summary>
    public static void ReadAhead(byte* mappingStart, byte* mappingEnd, byte* start, long length) =>
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

    [DllImport("libc")]
    private static extern int madvise(void* address, nuint length, int advice);
}
