using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Formats.Numerics;

namespace ModelMerge.Tests.Gpu;

[Collection(SimulatedDeviceCollection.Name)]
public class ConversionKernelTests(SimulatedDevice device)
{
    [Fact]
    public void Widening_every_bf16_bit_pattern_gives_the_cpu_conversion_bits()
    {
        var patterns = Enumerable.Range(0, 1 << 16).Select(i => (ushort)i).ToArray();
        var accelerator = device.Gpu.Accelerator;
        using var source = accelerator.Allocate1D(patterns);
        using var widened = accelerator.Allocate1D<float>(patterns.Length);

        device.Gpu.Kernels.WidenBFloat16(source.View, widened.View);

        var gpu = widened.GetAsArray1D();
        var cpu = new float[patterns.Length];
        BFloat16Conversion.ToSingle(patterns, cpu);
        Assert.Equal(cpu.Select(BitConverter.SingleToUInt32Bits), gpu.Select(BitConverter.SingleToUInt32Bits));
    }

    [Fact]
    public void Narrowing_rounds_ties_to_even_and_keeps_nans_as_the_cpu_does()
    {
        var random = new Random(11);
        var values = new List<float> { 0f, -0f, 1f, float.Epsilon, float.MaxValue, float.PositiveInfinity, float.NegativeInfinity, float.NaN,
            BitConverter.UInt32BitsToSingle(0x3F80_8000), BitConverter.UInt32BitsToSingle(0x3F81_8000), // ties: to even, down and up
            BitConverter.UInt32BitsToSingle(0x7F7F_FFFF), BitConverter.UInt32BitsToSingle(0x7FFF_FFFF), BitConverter.UInt32BitsToSingle(0xFF80_0001) };
        for (int i = 0; i < 20000; i++) values.Add(BitConverter.UInt32BitsToSingle((uint)random.NextInt64(0, 1L << 32)));
        var floats = values.ToArray();
        var accelerator = device.Gpu.Accelerator;
        using var source = accelerator.Allocate1D(floats);
        using var narrowed = accelerator.Allocate1D<ushort>(floats.Length);

        device.Gpu.Kernels.NarrowBFloat16(source.View, narrowed.View);

        var cpu = new ushort[floats.Length];
        BFloat16Conversion.FromSingle(floats, cpu);
        Assert.Equal(cpu, narrowed.GetAsArray1D());
    }
}
