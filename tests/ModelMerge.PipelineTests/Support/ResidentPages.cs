using System.Runtime.InteropServices;

namespace ModelMerge.PipelineTests.Support;

/// <summary>
/// How many pages of a file range the kernel holds in memory (Linux mincore). Reading a file,
/// with read() or through a memory map, brings the pages it touches into the page cache, the
/// holes of a sparse file included (as zeros); a page that is not resident was not read since
/// the file was written.
/// </summary>
internal static unsafe class ResidentPages
{
    private const int ProtRead = 1;
    private const int MapShared = 1;

    public static long Count(string path, long offset, long length)
    {
        long page = Environment.SystemPageSize;
        long start = offset / page * page;
        var span = (nuint)(offset + length - start);
        if (span == 0) return 0;
        using var file = File.OpenHandle(path);
        // Mapping alone reads nothing: pages come in only when the mapping is touched, which mincore does not do.
        nint address = mmap(0, span, ProtRead, MapShared, (int)file.DangerousGetHandle(), start);
        if (address == -1) throw new IOException($"cannot map '{path}': {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        try
        {
            var vector = new byte[(span + (nuint)page - 1) / (nuint)page];
            fixed (byte* resident = vector)
                if (mincore(address, span, resident) != 0)
                    throw new IOException($"mincore failed on '{path}': {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
            return vector.Count(b => (b & 1) != 0);
        }
        finally
        {
            munmap(address, span);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern nint mmap(nint address, nuint length, int protection, int flags, int descriptor, long offset);

    [DllImport("libc", SetLastError = true)]
    private static extern int munmap(nint address, nuint length);

    [DllImport("libc", SetLastError = true)]
    private static extern int mincore(nint address, nuint length, byte* vector);
}
