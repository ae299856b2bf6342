namespace ModelMerge.Tests.Gpu;

/// <summary>
/// Comparisons of device results with the CPU's. Bits must match, except that any NaN matches any
/// NaN: a CUDA device writes its one canonical NaN where x86 keeps an operand's payload, and no
/// merge result depends on a payload.
/// </summary>
internal static class DeviceAssert
{
    public static void SameSingles(float[] cpu, float[] gpu)
    {
        Assert.Equal(cpu.Length, gpu.Length);
        for (int i = 0; i < cpu.Length; i++)
            if (!(float.IsNaN(cpu[i]) && float.IsNaN(gpu[i])) && BitConverter.SingleToUInt32Bits(cpu[i]) != BitConverter.SingleToUInt32Bits(gpu[i]))
                Assert.Fail($"element {i}: the CPU gives {cpu[i]:R} (0x{BitConverter.SingleToUInt32Bits(cpu[i]):X8}), the device {gpu[i]:R} (0x{BitConverter.SingleToUInt32Bits(gpu[i]):X8})");
    }

    /// <summary>The same float32 results narrowed to bf16 by the CPU's conversion: the bytes an export writes.</summary>
    public static void SameBFloat16(float[] cpu, float[] gpu)
    {
        var cpuBits = new ushort[cpu.Length];
        var gpuBits = new ushort[gpu.Length];
        ModelMerge.Formats.Numerics.BFloat16Conversion.FromSingle(cpu, cpuBits);
        ModelMerge.Formats.Numerics.BFloat16Conversion.FromSingle(gpu, gpuBits);
        for (int i = 0; i < cpu.Length; i++)
            if (!(IsBFloat16NaN(cpuBits[i]) && IsBFloat16NaN(gpuBits[i])) && cpuBits[i] != gpuBits[i])
                Assert.Fail($"element {i}: the CPU writes bf16 0x{cpuBits[i]:X4}, the device 0x{gpuBits[i]:X4}");
    }

    private static bool IsBFloat16NaN(ushort bits) => (bits & 0x7FFF) > 0x7F80;
}
