using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Compute;
using ModelMerge.Methods;
using ModelMerge.Plans.Graph;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Gpu;

/// <summary>
/// The float64 combine of task arithmetic and the linear merge on the device against the CPU's
/// <see cref="WeightedSumPlan"/> and <see cref="Linear"/>: bit-identical float32, so the same bf16 bytes.
/// </summary>
[Collection(SimulatedDeviceCollection.Name)]
public class WeightedSumKernelTests(SimulatedDevice device)
{
    private const string TensorName = "model.layers.0.mlp.up_proj.weight";

    [Theory]
    [InlineData(new[] { 1.0, 0.5, -0.25 }, 1.0, 0.8)]        // task arithmetic, λ 0.8, normalize off
    [InlineData(new[] { 0.7, 0.2, 1.3 }, 2.2, 1.1)]          // normalized by Σw, λ 1.1
    [InlineData(new[] { 0.1, 0.1, 0.1 }, 0.30000000000000004, 1.0)]
    public void Task_arithmetic_over_a_base_gives_the_cpu_plans_bits(double[] weights, double divisor, double scale)
    {
        var (baseValues, terms) = Inputs(weights.Length, 20011, seed: 41);
        var cpu = PlanReader.ReadAll(new WeightedSumPlan(new ArrayPlan(baseValues), terms.Select(t => (ITensorPlan)new ArrayPlan(t)).ToList(),
            weights, divisor, scale), TensorName, new ChunkRunner(2));

        var gpu = Combine(terms, weights, divisor, scale, baseValues);

        DeviceAssert.SameSingles(cpu, gpu);
        DeviceAssert.SameBFloat16(cpu, gpu);
    }

    [Fact]
    public void A_linear_merge_without_a_base_gives_the_cpu_methods_bits()
    {
        double[] weights = [0.7, 0.3, -0.15];
        var (_, models) = Inputs(weights.Length, 20011, seed: 43);
        var cpu = TensorMergeRunner.Run(new Linear(weights, normalize: true), [20011], null, models);

        var gpu = Combine(models, weights, weights.Sum(), 1.0, null);

        DeviceAssert.SameSingles(cpu, gpu);
        DeviceAssert.SameBFloat16(cpu, gpu);
    }

    private float[] Combine(float[][] terms, double[] weights, double divisor, double scale, float[]? baseValues)
    {
        var accelerator = device.Gpu.Accelerator;
        int n = terms[0].Length;
        using var packed = accelerator.Allocate1D(terms.SelectMany(t => t).ToArray());
        using var w = accelerator.Allocate1D(weights);
        using var b = accelerator.Allocate1D(baseValues ?? [0f]);
        using var output = accelerator.Allocate1D<float>(n);
        device.Gpu.Kernels.WeightedSum(packed.View, w.View, divisor, scale, baseValues is null ? ArrayView<float>.Empty : b.View, output.View);
        return output.GetAsArray1D();
    }

    /// <summary>
    /// Random task-vector-sized values over many binades, with zeros of both signs, subnormals,
    /// values near float32's limit (whose sums overflow only when rounded) and NaN/∞ passed through.
    /// </summary>
    internal static (float[] Base, float[][] Terms) Inputs(int count, int n, int seed)
    {
        var random = new Random(seed);
        float Next() => (float)((random.NextDouble() * 2 - 1) * Math.Pow(2, random.Next(-30, 10)));
        var baseValues = Enumerable.Range(0, n).Select(_ => Next()).ToArray();
        var terms = Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, n).Select(_ => Next()).ToArray()).ToArray();
        float[] edges = [0f, -0f, float.Epsilon, -float.Epsilon, 1e-40f, -3e-39f, float.MaxValue, -float.MaxValue, 3e38f, float.NaN, float.PositiveInfinity];
        for (int k = 0; k < 400; k++)
        {
            int j = random.Next(n);
            baseValues[j] = edges[random.Next(edges.Length)];
            foreach (var t in terms) t[j] = edges[random.Next(edges.Length)];
        }
        return (baseValues, terms);
    }
}
