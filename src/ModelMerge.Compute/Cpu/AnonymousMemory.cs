using System.Runtime.InteropServices;

namespace ModelMerge.Compute.Cpu;

/// <summary>
/// Zeroed memory straight from the kernel (an anonymous mapping) for large buffers that live as
/// long as one tensor. Freeing unmaps it, so the pages leave the resident set at once: the C
/// allocator keeps freed blocks of a size it has seen before in its heap, and a pool keeps them
/// by design, either way resident for the rest of the session. Where there is no mmap
/// (Windows), it is the C allocator's calloc.
/// </summary>
internal static unsafe class AnonymousMemory
{
    private const int ReadWrite = 0x1 | 0x2;
    private const int Private = 0x02;

    private static readonly bool Mappable = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD();

    /// <summary>MAP_ANONYMOUS is 0x20 on Linux and 0x1000 on the BSDs and macOS.</summary>
    private static readonly int Anonymous = OperatingSystem.IsLinux() ? 0x20 : 0x1000;

    /// <summary><paramref name="bytes"/> zeroed bytes (at least one).</summary>
    /// <exception cref="OutOfMemoryException">The system has no room for them.</exception>
    public static void* AllocateZeroed(nuint bytes)
    {
        bytes = Math.Max(bytes, 1);
        if (!Mappable) return NativeMemory.AllocZeroed(bytes);
        void* address = mmap(null, bytes, ReadWrite, Private | Anonymous, -1, 0);
        // MAP_FAILED is (void*)-1.
        if ((nint)address == -1) throw new OutOfMemoryException($"the system refused {bytes:N0} bytes of memory (errno {Marshal.GetLastPInvokeError()}).");
        return address;
    }

    /// <summary>Returns memory from <see cref="AllocateZeroed"/> of the same size.</summary>
    public static void Free(void* address, nuint bytes)
    {
        if (address is null) return;
        if (Mappable) _ = munmap(address, Math.Max(bytes, 1));
        else NativeMemory.Free(address);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern void* mmap(void* address, nuint length, int protection, int flags, int descriptor, long offset);

    [DllImport("libc")]
    private static extern int munmap(void* address, nuint length);
}
