namespace ModelMerge.Formats.Safetensors;

/// <summary>
/// Tells a mapping refused for lack of address space from one refused because of the file.
/// .NET reports a failed mmap as an <see cref="IOException"/> whose HResult is the errno
/// (ENOMEM, 12, under <c>ulimit -v</c>) and a failed MapViewOfFile as the Win32 error in an HRESULT.
/// </summary>
internal static class AddressSpace
{
    private const int UnixOutOfMemory = 12;                                        // ENOMEM
    private const int WindowsNotEnoughMemory = unchecked((int)0x80070008);          // ERROR_NOT_ENOUGH_MEMORY
    private const int WindowsCommitmentLimit = unchecked((int)0x800705AF);          // ERROR_COMMITMENT_LIMIT

    public static bool IsExhausted(IOException exception) => OperatingSystem.IsWindows()
        ? exception.HResult is WindowsNotEnoughMemory or WindowsCommitmentLimit
        : exception.HResult == UnixOutOfMemory;
}
