using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Compute;
using ModelMerge.Compute.Cpu;
using ModelMerge.Methods;
using ModelMerge.Plans.Graph;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Gpu;

/// <summary>
/// DARE on the device against <see cref="CounterRandom"/>, <see cref="SurvivorRescale"/> and
/// <see cref="RandomDropPlan"/>: identical masks, L1 sums with identical float64 bits, and
/// bit-identical dropped-and-rescaled float32 values. The tensors span several 64 Ki grid chunks
/// and end in a partial one, so chunk order and lane order both count.
/// </summary>
[Collection(SimulatedDeviceCollection.Name)]
public class RandomDropKernelTests(SimulatedDevice device)
{
    private const string TensorName = "model.layers.3.self_attn.q_proj.weight";
    private const int Length = 3 * ChunkGrid.ChunkElements + 4321;

    [Theory]
    [InlineData(0.1, 7UL, 0)]
    [InlineData(0.5, 12345UL, 2)]
    [InlineData(0.9999999999, 1UL, 1)]     // a keep limit of 2^32: nothing dropped
    public void The_mask_is_the_cpus_element_for_element(double density, ulong seed, int modelIndex)
    {
        ulong key = CounterRandom.Key(seed, TensorName, modelIndex), limit = CounterRandom.KeepLimit(density);
        var cpu = Enumerable.Repeat(1f, Length).ToArray();
        CounterRandom.ApplyMask(key, 0, limit, cpu);
        // Windows of the tensor at odd offsets: the element index, not the position in the view, keys the draw.
        var gpu = new float[Length];
        foreach (var (start, count) in new[] { (0, 70001), (70001, 100000), (170001, Length - 170001) })
        {
            using var window = device.Gpu.Accelerator.Allocate1D(Enumerable.Repeat(1f, count).ToArray());
            device.Gpu.Kernels.Drop(window.View, key, start, limit, 1f);
            window.GetAsArray1D().CopyTo(gpu, start);
        }

        Assert.Equal(cpu, gpu);
        Assert.InRange(gpu.Count(v => v != 0), (long)(density * Length * 0.97), (long)Math.Ceiling(density * Length * 1.03));
    }

    [Fact]
    public void L1_sums_have_the_bits_of_the_cpus_chunk_by_chunk_lane_order()
    {
        var values = TaskVector(seed: 5);
        ulong key = CounterRandom.Key(9, TensorName, 1), limit = CounterRandom.KeepLimit(0.3);
        double before = 0, after = 0, plain = 0;
        for (long c = 0; c < ChunkGrid.ChunkCount(Length); c++)
        {
            var (start, count) = ChunkGrid.Chunk(Length, c);
            var chunk = values.AsSpan((int)start, count).ToArray();
            before += Reductions.SumOfMagnitudes(chunk);
            CounterRandom.ApplyMask(key, start, limit, chunk);
            after += Reductions.SumOfMagnitudes(chunk);
        }
        foreach (var v in values) plain += Math.Abs(v);
        using var device1 = device.Gpu.Accelerator.Allocate1D(values);

        var (gpuBefore, gpuAfter) = device.Gpu.Kernels.DropMagnitudeSums(device1.View, key, limit);

        Assert.NotEqual(plain, before);   // the values make the order show in the bits
        Assert.Equal(BitConverter.DoubleToInt64Bits(before), BitConverter.DoubleToInt64Bits(gpuBefore));
        Assert.Equal(BitConverter.DoubleToInt64Bits(after), BitConverter.DoubleToInt64Bits(gpuAfter));
    }

    [Theory]
    [InlineData(Rescale.L1, 0.3)]
    [InlineData(Rescale.Inverse, 0.25)]
    [InlineData(Rescale.None, 0.6)]
    public void Dropped_and_rescaled_values_are_the_cpu_plans_to_the_bit(Rescale rescale, double density)
    {
        var values = TaskVector(seed: 8);
        const ulong seed = 77;
        const int modelIndex = 1;
        var cpu = PlanReader.ReadAll(new RandomDropPlan(new ArrayPlan(values), density, seed, modelIndex, rescale), TensorName, new ChunkRunner(2));

        ulong key = CounterRandom.Key(seed, TensorName, modelIndex), limit = CounterRandom.KeepLimit(density);
        using var tensor = device.Gpu.Accelerator.Allocate1D(values);
        float factor = rescale switch
        {
            Rescale.L1 => device.Gpu.Kernels.DropL1Factor(tensor.View, key, limit),
            Rescale.Inverse => (float)(1.0 / density),
            _ => 1f,
        };
        device.Gpu.Kernels.Drop(tensor.View, key, 0, limit, factor);
        var gpu = tensor.GetAsArray1D();

        if (rescale == Rescale.L1) Assert.NotEqual(1f, factor);
        DeviceAssert.SameSingles(cpu, gpu);
        DeviceAssert.SameBFloat16(cpu, gpu);
    }

    /// <summary>Magnitudes over forty binades, so float64 sums taken in another order round differently; zeros, subnormals, a NaN-free tensor.</summary>
    private static float[] TaskVector(int seed)
    {
        var random = new Random(seed);
        var values = Enumerable.Range(0, Length).Select(_ => (float)((random.NextDouble() * 2 - 1) * Math.Pow(2, random.Next(-30, 10)))).ToArray();
        float[] edges = [0f, -0f, float.Epsilon, -1e-40f, 1e30f, -3e38f];
        for (int k = 0; k < 300; k++) values[random.Next(Length)] = edges[k % edges.Length];
        return values;
    }
}
