using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Compute;
using ModelMerge.Compute.Cpu;
using ModelMerge.Methods;
using ModelMerge.Methods.Framework;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Gpu;

/// <summary>
/// slerp on the device: the whole-tensor dot products against the CPU's (<see cref="Reductions.Dot"/>
/// per grid chunk, chunks added by <see cref="MergeInputs.Sum"/>) with identical float64 bits, then
/// the coefficients from <see cref="Slerp.Coefficients"/> and the combine kernel against the CPU's
/// <see cref="Slerp"/>: bit-identical float32.
/// </summary>
[Collection(SimulatedDeviceCollection.Name)]
public class SlerpKernelTests(SimulatedDevice device)
{
    private const int Length = 2 * ChunkGrid.ChunkElements + 12345;

    [Fact]
    public void Dot_products_have_the_bits_of_the_cpus_chunk_and_lane_order()
    {
        var (v0, v1) = Pair(seed: 3, parallel: false);
        var inputs = new MergeInputs("w", [Length], new ArraySource(v0), [new ArraySource(v1)]);
        var cpu = inputs.Sum(new ChunkRunner(2), 3, (in InputChunk c, Span<double> sums) =>
        {
            sums[0] = Reductions.Dot(c.Model(0), c.Model(0));
            sums[1] = Reductions.Dot(c.Model(0), c.Base);
            sums[2] = Reductions.Dot(c.Base, c.Base);
        });
        double plain = 0;
        for (int j = 0; j < Length; j++) plain += (double)v1[j] * v0[j];
        using var a = device.Gpu.Accelerator.Allocate1D(v1);
        using var b = device.Gpu.Accelerator.Allocate1D(v0);

        double[] gpu = [device.Gpu.Kernels.Dot(a.View, a.View), device.Gpu.Kernels.Dot(a.View, b.View), device.Gpu.Kernels.Dot(b.View, b.View)];

        Assert.NotEqual(plain, cpu[1]);   // the values make the order show in the bits
        Assert.Equal(cpu.Select(BitConverter.DoubleToInt64Bits), gpu.Select(BitConverter.DoubleToInt64Bits));
    }

    [Theory]
    [InlineData(0.3, false)]
    [InlineData(0.75, false)]
    [InlineData(1.4, false)]     // extrapolated
    [InlineData(0.0, false)]     // the base exactly
    [InlineData(0.4, true)]      // nearly parallel: the lerp fallback
    public void Merged_tensor_is_the_cpus_slerp_to_the_bit(double t, bool parallel)
    {
        var (v0, v1) = Pair(seed: 11, parallel);
        var cpu = TensorMergeRunner.Run(new Slerp(t), [Length], v0, v1);

        var accelerator = device.Gpu.Accelerator;
        using var model = accelerator.Allocate1D(v1);
        using var baseValues = accelerator.Allocate1D(v0);
        var kernels = device.Gpu.Kernels;
        var (start, end) = Slerp.Coefficients(kernels.Dot(baseValues.View, baseValues.View), kernels.Dot(model.View, model.View),
            kernels.Dot(model.View, baseValues.View), t);
        using var coefficients = accelerator.Allocate1D([end]);
        using var output = accelerator.Allocate1D<float>(Length);
        kernels.LinearCombination(model.View, coefficients.View, baseValues.View, start, output.View);
        var gpu = output.GetAsArray1D();

        DeviceAssert.SameSingles(cpu, gpu);
        DeviceAssert.SameBFloat16(cpu, gpu);
    }

    /// <summary>Weights over many binades with zeros, −0 and subnormals; the second a small turn of the first, or a near copy.</summary>
    private static (float[] V0, float[] V1) Pair(int seed, bool parallel)
    {
        var random = new Random(seed);
        float Next() => (float)((random.NextDouble() * 2 - 1) * Math.Pow(2, random.Next(-24, 4)));
        var v0 = Enumerable.Range(0, Length).Select(_ => Next()).ToArray();
        var v1 = v0.Select(x => parallel ? x * (1 + 1e-3f * (float)random.NextDouble()) : 0.6f * x + Next()).ToArray();
        float[] edges = [0f, -0f, float.Epsilon, -1e-40f];
        for (int k = 0; k < 200; k++)
        {
            v0[random.Next(Length)] = edges[k % edges.Length];
            v1[random.Next(Length)] = edges[(k + 1) % edges.Length];
        }
        return (v0, v1);
    }
}
