using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Formats;
using ModelMerge.Formats.Numerics;

namespace ModelMerge.Tests.Gpu;

/// <summary>Task vectors a − b on the device against <see cref="ElementConversion.Difference"/>: bit-identical float32.</summary>
[Collection(SimulatedDeviceCollection.Name)]
public class DifferenceKernelTests(SimulatedDevice device)
{
    [Fact]
    public void Bf16_difference_of_every_pattern_with_random_and_edge_partners_is_the_cpus_to_the_bit()
    {
        var random = new Random(17);
        ushort[] edges = [0x0000, 0x8000, 0x0001, 0x8001, 0x007F, 0x0080, 0x7F7F, 0xFF7F, 0x7F80, 0xFF80, 0x7FC0, 0x3F80, 0xBF80];
        var a = new List<ushort>();
        var b = new List<ushort>();
        for (int i = 0; i < 1 << 16; i++)
        {
            a.Add((ushort)i);
            b.Add((ushort)random.Next(1 << 16));
        }
        // Near neighbours: differences that cancel to a few bits, or to exactly zero (+0, never −0).
        for (int i = 0; i < 20000; i++)
        {
            ushort x = (ushort)random.Next(1 << 16);
            a.Add(x);
            b.Add((ushort)(x + random.Next(-2, 3)));
        }
        foreach (var x in edges)
            foreach (var y in edges)
            {
                a.Add(x);
                b.Add(y);
            }
        var (left, right) = (a.ToArray(), b.ToArray());
        var accelerator = device.Gpu.Accelerator;
        using var da = accelerator.Allocate1D(left);
        using var db = accelerator.Allocate1D(right);
        using var difference = accelerator.Allocate1D<float>(left.Length);

        device.Gpu.Kernels.BFloat16Difference(da.View, db.View, difference.View);

        var cpu = new float[left.Length];
        ElementConversion.Difference(DType.BF16, MemoryMarshal.AsBytes(left.AsSpan()), DType.BF16, MemoryMarshal.AsBytes(right.AsSpan()), cpu);
        var gpu = difference.GetAsArray1D();
        DeviceAssert.SameSingles(cpu, gpu);
        DeviceAssert.SameBFloat16(cpu, gpu);
    }

    [Fact]
    public void F16_and_f32_differences_widened_on_the_device_are_the_cpus_to_the_bit()
    {
        var random = new Random(23);
        int n = 30000;
        var halves = Enumerable.Range(0, n).Select(_ => (ushort)random.Next(1 << 16)).ToArray();
        var singles = Enumerable.Range(0, n).Select(i => i % 3 == 0
            ? BitConverter.UInt32BitsToSingle((uint)random.NextInt64(0, 1L << 32))
            : (float)(double)BitConverter.UInt16BitsToHalf(halves[i]) * (1 + (float)random.NextDouble() * 1e-3f)).ToArray();
        singles[0] = float.Epsilon;
        singles[1] = -0f;
        var accelerator = device.Gpu.Accelerator;
        using var dh = accelerator.Allocate1D(halves);
        using var widened = accelerator.Allocate1D<float>(n);
        using var ds = accelerator.Allocate1D(singles);
        using var difference = accelerator.Allocate1D<float>(n);

        // A mixed pair takes the CPU's general path: both widened to float32, then subtracted.
        device.Gpu.Kernels.WidenHalf(dh.View, widened.View);
        device.Gpu.Kernels.SingleDifference(ds.View, widened.View, difference.View);

        var cpu = new float[n];
        ElementConversion.Difference(DType.F32, MemoryMarshal.AsBytes(singles.AsSpan()), DType.F16, MemoryMarshal.AsBytes(halves.AsSpan()), cpu);
        var gpu = difference.GetAsArray1D();
        DeviceAssert.SameSingles(cpu, gpu);
        DeviceAssert.SameBFloat16(cpu, gpu);
    }
}
