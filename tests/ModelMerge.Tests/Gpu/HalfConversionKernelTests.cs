using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Compute.Gpu;
using ModelMerge.Formats;
using ModelMerge.Formats.Numerics;

namespace ModelMerge.Tests.Gpu;

/// <summary>f16 ↔ f32 on the device against <see cref="ElementConversion"/>: bit-identical, NaN payloads included.</summary>
[Collection(SimulatedDeviceCollection.Name)]
public class HalfConversionKernelTests(SimulatedDevice device)
{
    [Fact]
    public void Widening_every_f16_bit_pattern_gives_the_cpu_conversion_bits()
    {
        var patterns = Enumerable.Range(0, 1 << 16).Select(i => (ushort)i).ToArray();
        var accelerator = device.Gpu.Accelerator;
        using var source = accelerator.Allocate1D(patterns);
        using var widened = accelerator.Allocate1D<float>(patterns.Length);

        device.Gpu.Kernels.WidenHalf(source.View, widened.View);

        var cpu = new float[patterns.Length];
        ElementConversion.ToSingle(DType.F16, MemoryMarshal.AsBytes(patterns.AsSpan()), cpu);
        Assert.Equal(cpu.Select(BitConverter.SingleToUInt32Bits), widened.GetAsArray1D().Select(BitConverter.SingleToUInt32Bits));
    }

    [Fact]
    public void Narrowing_rounds_ties_to_even_in_every_binade_and_keeps_nans_as_the_cpu_does()
    {
        var values = new List<float> { 0f, -0f, float.Epsilon, -float.Epsilon, float.MaxValue, float.PositiveInfinity, float.NegativeInfinity, float.NaN,
            65504f, 65519.996f, 65520f, -65520f, 65536f, 6.1035156e-5f /* 2^-14 */, 5.9604645e-8f /* 2^-24 */, 2.9802322e-8f /* 2^-25, a tie to 0 */,
            BitConverter.UInt32BitsToSingle(0x3300_0001), BitConverter.UInt32BitsToSingle(0x7FA0_0001), BitConverter.UInt32BitsToSingle(0xFFC1_2345) };
        // Every half and the points half-way to its neighbour above, and just either side of that:
        // every tie of the conversion, normal and subnormal, rounding up and down.
        for (int h = 0; h < 0x7C00; h++)
        {
            double low = (double)BitConverter.UInt16BitsToHalf((ushort)h), high = (double)BitConverter.UInt16BitsToHalf((ushort)(h + 1));
            float middle = (float)((low + high) / 2);
            values.AddRange([(float)low, middle, MathF.BitDecrement(middle), -MathF.BitIncrement(middle)]);
        }
        var random = new Random(5);
        for (int i = 0; i < 10000; i++) values.Add(BitConverter.UInt32BitsToSingle((uint)random.NextInt64(0, 1L << 32)));
        var floats = values.ToArray();
        var accelerator = device.Gpu.Accelerator;
        using var source = accelerator.Allocate1D(floats);
        using var narrowed = accelerator.Allocate1D<ushort>(floats.Length);

        device.Gpu.Kernels.NarrowHalf(source.View, narrowed.View);

        var cpu = new ushort[floats.Length];
        ElementConversion.FromSingle(DType.F16, floats, MemoryMarshal.AsBytes(cpu.AsSpan()));
        var gpu = narrowed.GetAsArray1D();
        for (int i = 0; i < floats.Length; i++)
            Assert.True(cpu[i] == gpu[i], $"0x{BitConverter.SingleToUInt32Bits(floats[i]):X8}: the CPU gives 0x{cpu[i]:X4}, the device 0x{gpu[i]:X4}");
    }

    [Fact]
    public void Float32_passes_through_with_every_bit_kept()
    {
        var random = new Random(3);
        var floats = Enumerable.Range(0, 4096).Select(_ => BitConverter.UInt32BitsToSingle((uint)random.NextInt64(0, 1L << 32))).ToArray();
        var accelerator = device.Gpu.Accelerator;
        using var source = accelerator.Allocate1D(floats);
        using var copy = accelerator.Allocate1D<float>(floats.Length);

        GpuKernels.CopySingle(source.View, copy.View);

        var cpu = new byte[floats.Length * 4];
        ElementConversion.FromSingle(DType.F32, floats, cpu);
        Assert.Equal(cpu, MemoryMarshal.AsBytes(copy.GetAsArray1D().AsSpan()).ToArray());
    }
}
