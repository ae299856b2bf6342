using ModelMerge.Formats.Safetensors;

namespace ModelMerge.Tests.Formats;

/// <summary>
/// A mapping refused for lack of address space is told from one refused because of the file.
/// Under <c>ulimit -v</c>, .NET's MemoryMappedFile reports the failed mmap as an IOException
/// whose HResult is ENOMEM (12), measured with pwsh mapping 8 GB under <c>ulimit -v 6000000</c>.
/// </summary>
public sealed class AddressSpaceTests
{
    [Fact]
    public void Enomem_from_a_mapping_is_lack_of_address_space()
    {
        if (OperatingSystem.IsWindows()) return; // Windows reports ERROR_NOT_ENOUGH_MEMORY instead
        Assert.True(AddressSpace.IsExhausted(new IOException("Cannot allocate memory", 12)));
    }

    [Theory]
    [InlineData(13)]  // EACCES
    [InlineData(5)]   // EIO
    [InlineData(19)]  // ENODEV: a file system that cannot be mapped
    public void Other_errors_are_the_files(int errno)
    {
        Assert.False(AddressSpace.IsExhausted(new IOException("refused", errno)));
    }
}
