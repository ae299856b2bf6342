using ModelMerge.Compute;
using ModelMerge.Formats.Numerics;
using ModelMerge.Methods;
using ModelMerge.Plans.Graph;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Gpu;

/// <summary>The device's sign election and disjoint mean against the CPU's SignConsensus, and whole TIES tensors against the CPU's plan nodes.</summary>
[Collection(SimulatedDeviceCollection.Name)]
public class SignConsensusKernelTests(SimulatedDevice device)
{
    private const int Length = ChunkGrid.ChunkElements + 4_467;

    public static TheoryData<SignRule, bool, double, bool, double[]> Settings => new()
    {
        { SignRule.Sum, true, 1.0, true, [1.0, 0.5, 0.8] },
        { SignRule.Sum, false, 1.0, true, [1.0, 0.5, 0.8] },
        { SignRule.Count, true, 0.7, true, [1.0, 0.5, 0.8] },
        { SignRule.Sum, true, 1.3, false, [0.9, -0.6, 1.7] },   // a negative weight reverses its vote
        { SignRule.Count, false, 1.0, true, [0.7, 0.0, 1.3] },  // a zero weight never votes or counts
    };

    [Theory]
    [MemberData(nameof(Settings))]
    public void The_combine_gives_the_cpu_float32_bits_and_bf16_bytes(SignRule rule, bool normalize, double lambda, bool withBase, double[] weights)
    {
        float[][] taus = [TiesInputs.TaskVector(Length, 31, huge: false), TiesInputs.TaskVector(Length, 32, huge: false),
            TiesInputs.TaskVector(Length, 33, huge: false)];
        var theta = withBase ? TiesInputs.TaskVector(Length, 34, huge: false) : null;
        var plan = new SignConsensusPlan(theta is null ? null : new ArrayPlan(theta), taus.Select(t => (ITensorPlan)new ArrayPlan(t)).ToArray(),
            weights, rule, normalize, lambda);
        var cpu = PlanReader.ReadAll(plan, "w", new ChunkRunner(2));

        var gpu = DeviceTies.Merge(device.Gpu, theta, taus, weights, density: 1, Rescale.None, rule, normalize, lambda);

        Assert.Equal(TiesInputs.Bits(cpu), TiesInputs.Bits(gpu));
        var cpuBf16 = new ushort[Length];
        BFloat16Conversion.FromSingle(cpu, cpuBf16);
        Assert.Equal(cpuBf16, DeviceTies.NarrowBFloat16(device.Gpu, gpu));
    }

    [Fact]
    public void Family_f_at_density_half_gives_the_worked_ties_output()
    {
        float[][] taus = [FamilyF.Tau1, FamilyF.Tau2, FamilyF.Tau3];

        var merged = DeviceTies.Merge(device.Gpu, FamilyF.Base, taus, FamilyF.Weights, density: 0.5, Rescale.None, SignRule.Sum, normalize: true, lambda: 1);

        // merge-semantics §4.3, the ties table (six digits).
        Assert.Equal([0.64, -0.1, -0.06, 0.397778, 0.6, -0.5], merged.Select(v => Math.Round(v, 6)));
    }

    [Theory]
    [InlineData(0.1, Rescale.L1, SignRule.Sum)]
    [InlineData(0.2, Rescale.None, SignRule.Sum)]
    [InlineData(0.5, Rescale.Inverse, SignRule.Count)]
    public void A_whole_ties_tensor_matches_the_cpu_plan_bit_for_bit(double density, Rescale rescale, SignRule rule)
    {
        const int length = 2 * ChunkGrid.ChunkElements + 18_929;
        float[][] taus = [TiesInputs.TaskVector(length, 41, huge: false), TiesInputs.TaskVector(length, 42, huge: false),
            TiesInputs.TaskVector(length, 43, huge: false)];
        var theta = TiesInputs.TaskVector(length, 44, huge: false);
        double[] weights = [1.0, 0.5, 0.8];
        var plan = new SignConsensusPlan(new ArrayPlan(theta),
            taus.Select(t => (ITensorPlan)new MagnitudeTrimPlan(new ArrayPlan(t), density, rescale)).ToArray(), weights, rule, normalize: true, lambda: 1);
        var cpu = PlanReader.ReadAll(plan, "w", new ChunkRunner(2));

        var gpu = DeviceTies.Merge(device.Gpu, theta, taus, weights, density, rescale, rule, normalize: true, lambda: 1);

        Assert.Equal(TiesInputs.Bits(cpu), TiesInputs.Bits(gpu));
        var cpuBf16 = new ushort[length];
        BFloat16Conversion.FromSingle(cpu, cpuBf16);
        Assert.Equal(cpuBf16, DeviceTies.NarrowBFloat16(device.Gpu, gpu));
    }
}
