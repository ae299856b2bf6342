using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Compute;
using ModelMerge.Formats.Numerics;
using ModelMerge.Methods;
using ModelMerge.Plans.Graph;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Gpu;

/// <summary>The bf16-in, bf16-out TIES kernels against the CPU's conversions and SignConsensusPlan.</summary>
[Collection(SimulatedDeviceCollection.Name)]
public class BFloat16TiesKernelTests(SimulatedDevice device)
{
    private const int Length = ChunkGrid.ChunkElements + 4_467;

    [Fact]
    public void A_task_vector_from_bf16_bits_has_the_cpu_difference_bits()
    {
        var random = new Random(3);
        // Every kind of bit pattern: NaN, ±∞, subnormals, ±0.
        var fineTuned = Enumerable.Range(0, Length).Select(_ => (ushort)random.Next(1 << 16)).ToArray();
        var baseBits = Enumerable.Range(0, Length).Select(_ => (ushort)random.Next(1 << 16)).ToArray();
        var cpu = new float[Length];
        BFloat16Conversion.Difference(fineTuned, baseBits, cpu);

        var accelerator = device.Gpu.Accelerator;
        using var a = accelerator.Allocate1D(fineTuned);
        using var b = accelerator.Allocate1D(baseBits);
        using var tau = accelerator.Allocate1D<float>(Length);
        device.Gpu.Kernels.BFloat16Difference(a.View, b.View, tau.View);

        Assert.Equal(TiesInputs.Bits(cpu), TiesInputs.Bits(tau.GetAsArray1D()));
    }

    [Theory]
    [InlineData(SignRule.Sum, true, 1.0)]
    [InlineData(SignRule.Count, false, 0.6)]
    public void A_ties_merge_of_bf16_checkpoints_writes_the_cpu_export_bytes(SignRule rule, bool normalize, double lambda)
    {
        var theta = BFloat16(TiesInputs.TaskVector(Length, 51, huge: false));
        ushort[][] fineTunes = new[] { 51, 52, 53 }.Select(seed => BFloat16(TiesInputs.TaskVector(Length, seed + 10, huge: false).Select(
            (d, j) => BFloat16Conversion.ToSingle(theta[j]) + 0.05f * d).ToArray())).ToArray();
        double[] weights = [1.0, 0.5, 0.8];
        var taus = fineTunes.Select(ft =>
        {
            var tau = new float[Length];
            BFloat16Conversion.Difference(ft, theta, tau);
            return tau;
        }).ToArray();
        var thetaSingles = new float[Length];
        BFloat16Conversion.ToSingle(theta, thetaSingles);
        var plan = new SignConsensusPlan(new ArrayPlan(thetaSingles),
            taus.Select(t => (ITensorPlan)new MagnitudeTrimPlan(new ArrayPlan(t), 0.2, Rescale.L1)).ToArray(), weights, rule, normalize, lambda);
        var cpu = new ushort[Length];
        BFloat16Conversion.FromSingle(PlanReader.ReadAll(plan, "w", new ChunkRunner(2)), cpu);

        var accelerator = device.Gpu.Accelerator;
        var kernels = device.Gpu.Kernels;
        using var baseBits = accelerator.Allocate1D(theta);
        using var deltas = accelerator.Allocate1D<float>(3L * Length);
        using var tauBuffer = accelerator.Allocate1D<float>(Length);
        for (int i = 0; i < fineTunes.Length; i++)
        {
            using var ft = accelerator.Allocate1D(fineTunes[i]);
            kernels.BFloat16Difference(ft.View, baseBits.View, tauBuffer.View);
            var trimmed = deltas.View.SubView((long)i * Length, Length);
            kernels.ApplyMagnitudeCut(tauBuffer.View, kernels.FindTopKByMagnitude(tauBuffer.View, MagnitudeTrim.KeepCount(0.2, Length, "w")), trimmed);
            kernels.Scale(trimmed, kernels.L1RescaleFactor(tauBuffer.View, trimmed));
        }
        using var weightBuffer = accelerator.Allocate1D(weights);
        using var output = accelerator.Allocate1D<ushort>(Length);
        kernels.SignConsensusBFloat16(deltas.View, weightBuffer.View, rule == SignRule.Count, normalize, lambda, baseBits.View, output.View);

        var gpu = output.GetAsArray1D();
        Assert.Equal(cpu, gpu);
        // The merge changed the base (the comparison is not of two copies of θ).
        Assert.True(gpu.Zip(theta).Count(p => p.First != p.Second) > Length / 10);
    }

    private static ushort[] BFloat16(float[] values)
    {
        var bits = new ushort[values.Length];
        BFloat16Conversion.FromSingle(values, bits);
        return bits;
    }
}
