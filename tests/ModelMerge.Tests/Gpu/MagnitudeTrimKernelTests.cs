using ILGPU.Runtime;
using ModelMerge.Compute;
using ModelMerge.Compute.Cpu;
using ModelMerge.Methods;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Gpu;

/// <summary>The device top-k and trim against the CPU's MagnitudeSelection and MagnitudeTrim, element for element.</summary>
[Collection(SimulatedDeviceCollection.Name)]
public class MagnitudeTrimKernelTests(SimulatedDevice device)
{
    // Three grid chunks, the last one partial: ties at the cut fall in every chunk.
    private const int Length = 2 * ChunkGrid.ChunkElements + 18_929;

    /// <summary>The CPU's exact cut keeping <paramref name="k"/> of <paramref name="tau"/>, and the trimmed copy it gives chunk by chunk.</summary>
    internal static (MagnitudeCut Cut, float[] Trimmed) CpuTrim(float[] tau, long k)
    {
        var cut = MagnitudeSelection.FindTopKExactly(new ArraySource(tau), k, new ChunkRunner(2));
        var trimmed = (float[])tau.Clone();
        for (long c = 0; c < ChunkGrid.ChunkCount(tau.Length); c++)
        {
            var (start, count) = ChunkGrid.Chunk(tau.Length, c);
            cut.Apply(c, trimmed.AsSpan((int)start, count));
        }
        return (cut, trimmed);
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.2)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(1.0)]
    public void The_device_cut_keeps_exactly_the_elements_the_cpu_keeps(double density)
    {
        var tau = TiesInputs.TaskVector(Length, seed: 5, nonFinite: true);
        long k = MagnitudeTrim.KeepCount(density, Length, "w");
        var (cpuCut, cpu) = CpuTrim(tau, k);

        var accelerator = device.Gpu.Accelerator;
        using var values = accelerator.Allocate1D(tau);
        using var trimmed = accelerator.Allocate1D<float>(Length);
        var cut = device.Gpu.Kernels.FindTopKByMagnitude(values.View, k);
        device.Gpu.Kernels.ApplyMagnitudeCut(values.View, cut, trimmed.View);

        Assert.Equal((cpuCut.ThresholdBits, cpuCut.KeepAtThreshold, cpuCut.AtThreshold), (cut.ThresholdBits, cut.KeepAtThreshold, cut.AtThreshold));
        Assert.Equal(TiesInputs.Bits(cpu), TiesInputs.Bits(trimmed.GetAsArray1D()));
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.2)]
    public void A_cut_inside_a_crowd_of_equal_magnitudes_keeps_the_lowest_indices(double density)
    {
        var tau = TiesInputs.TaskVector(Length, seed: 9);
        long k = MagnitudeTrim.KeepCount(density, Length, "w");
        var accelerator = device.Gpu.Accelerator;
        using var values = accelerator.Allocate1D(tau);
        using var trimmed = accelerator.Allocate1D<float>(Length);

        var cut = device.Gpu.Kernels.FindTopKByMagnitude(values.View, k);
        device.Gpu.Kernels.ApplyMagnitudeCut(values.View, cut, trimmed.View);

        // The inputs put the cut among thousands of equal magnitudes, not all of them kept.
        Assert.InRange(cut.KeepAtThreshold, 1, cut.AtThreshold - 1);
        var kept = trimmed.GetAsArray1D();
        var ties = Enumerable.Range(0, Length).Where(j => (BitConverter.SingleToUInt32Bits(tau[j]) & 0x7FFF_FFFF) == cut.ThresholdBits).ToArray();
        Assert.All(ties.Take((int)cut.KeepAtThreshold), j => Assert.Equal(tau[j], kept[j]));
        Assert.All(ties.Skip((int)cut.KeepAtThreshold), j => Assert.Equal(0u, BitConverter.SingleToUInt32Bits(kept[j])));
        Assert.Equal(k, kept.Count(v => Math.Abs(v) >= BitConverter.UInt32BitsToSingle(cut.ThresholdBits) && v != 0));
    }

    [Fact]
    public void A_cut_at_zero_keeps_every_zero_with_its_sign()
    {
        var tau = TiesInputs.TaskVector(Length, seed: 13);
        long k = MagnitudeTrim.KeepCount(0.9, Length, "w");
        var accelerator = device.Gpu.Accelerator;
        using var values = accelerator.Allocate1D(tau);
        using var trimmed = accelerator.Allocate1D<float>(Length);

        var cut = device.Gpu.Kernels.FindTopKByMagnitude(values.View, k);
        device.Gpu.Kernels.ApplyMagnitudeCut(values.View, cut, trimmed.View);

        Assert.Equal(0u, cut.ThresholdBits);
        Assert.Equal(TiesInputs.Bits(tau), TiesInputs.Bits(trimmed.GetAsArray1D()));
    }

    [Theory]
    [InlineData(0.1, Rescale.L1)]
    [InlineData(0.2, Rescale.L1)]
    [InlineData(0.5, Rescale.L1)]
    [InlineData(0.2, Rescale.Inverse)]
    [InlineData(0.2, Rescale.None)]
    public void Trim_and_rescale_give_the_cpu_factor_and_values_bit_for_bit(double density, Rescale rescale)
    {
        var tau = TiesInputs.TaskVector(Length, seed: 21, huge: false);
        var trim = MagnitudeTrim.Create(new ArraySource(tau), density, rescale, "w", new ChunkRunner(2));
        Assert.NotNull(trim);
        var cpu = (float[])tau.Clone();
        for (long c = 0; c < ChunkGrid.ChunkCount(Length); c++)
        {
            var (start, count) = ChunkGrid.Chunk(Length, c);
            trim.Apply(c, cpu.AsSpan((int)start, count));
        }

        var accelerator = device.Gpu.Accelerator;
        var kernels = device.Gpu.Kernels;
        using var values = accelerator.Allocate1D(tau);
        using var trimmed = accelerator.Allocate1D<float>(Length);
        var cut = kernels.FindTopKByMagnitude(values.View, MagnitudeTrim.KeepCount(density, Length, "w"));
        kernels.ApplyMagnitudeCut(values.View, cut, trimmed.View);
        float factor = rescale switch
        {
            Rescale.L1 => kernels.L1RescaleFactor(values.View, trimmed.View),
            Rescale.Inverse => (float)(1.0 / density),
            _ => 1f,
        };
        kernels.Scale(trimmed.View, factor);

        if (rescale != Rescale.None) Assert.NotEqual(1f, trim.Factor);
        Assert.Equal(BitConverter.SingleToUInt32Bits(trim.Factor), BitConverter.SingleToUInt32Bits(factor));
        Assert.Equal(TiesInputs.Bits(cpu), TiesInputs.Bits(trimmed.GetAsArray1D()));
    }

    [Fact]
    public void The_l1_factor_is_one_when_the_survivors_sum_to_almost_nothing()
    {
        var tau = new float[1000];
        tau[3] = 1e-8f;
        tau[500] = 0.25f;
        tau[700] = 0.5f;
        var onlySmall = new float[1000];
        onlySmall[3] = 1e-8f;
        var onlyLarge = new float[1000];
        onlyLarge[700] = 0.5f;
        var accelerator = device.Gpu.Accelerator;
        using var values = accelerator.Allocate1D(tau);
        using var small = accelerator.Allocate1D(onlySmall);
        using var large = accelerator.Allocate1D(onlyLarge);

        // mergekit's guard: Σ|τ·mask| below 1e-7 leaves the survivors unscaled rather than blowing them up.
        Assert.Equal(1f, device.Gpu.Kernels.L1RescaleFactor(values.View, small.View));
        Assert.Equal((float)(((double)1e-8f + 0.75) / 0.5), device.Gpu.Kernels.L1RescaleFactor(values.View, large.View));
    }
}

/// <summary>
/// The cut of a tensor too large for the device, found over its pieces (two or three passes),
/// against the CPU's cut of the whole tensor: same threshold and ties, and each piece trimmed
/// from its own offset keeps exactly what the CPU keeps.
/// </summary>
[Collection(SimulatedDeviceCollection.Name)]
public class PiecewiseMagnitudeCutTests(SimulatedDevice device)
{
    private const int Length = 2 * ChunkGrid.ChunkElements + 18_929;

    [Theory]
    [InlineData(0.1, 40_000, 5)]
    [InlineData(0.2, 65_536, 9)]
    [InlineData(0.5, 12_345, 9)]
    [InlineData(0.9, 100_000, 5)]
    public void Pieces_find_the_cut_of_the_whole_tensor(double density, int pieceElements, int seed)
    {
        var tau = TiesInputs.TaskVector(Length, seed);
        long k = MagnitudeTrim.KeepCount(density, Length, "w");
        var (cpuCut, cpu) = MagnitudeTrimKernelTests.CpuTrim(tau, k);

        var accelerator = device.Gpu.Accelerator;
        using var whole = accelerator.Allocate1D(tau);
        int reads = 0;
        var cut = device.Gpu.Kernels.FindTopKByMagnitudeInPieces(Length, k, pieceElements, (start, piece) =>
        {
            reads++;
            whole.View.SubView(start, piece.Length).CopyTo(piece);
            return true;
        });

        Assert.NotNull(cut);
        Assert.Equal((cpuCut.ThresholdBits, cpuCut.KeepAtThreshold, cpuCut.AtThreshold), (cut.Value.ThresholdBits, cut.Value.KeepAtThreshold, cut.Value.AtThreshold));
        Assert.Equal(device.Gpu.Kernels.FindTopKByMagnitude(whole.View, k), cut.Value);
        int pieces = (Length + pieceElements - 1) / pieceElements;
        Assert.InRange(reads, 2 * pieces, 3 * pieces);

        var trimmed = new float[Length];
        using var piece = accelerator.Allocate1D<float>(pieceElements);
        for (int start = 0; start < Length; start += pieceElements)
        {
            int count = Math.Min(pieceElements, Length - start);
            device.Gpu.Kernels.ApplyMagnitudeCut(whole.View.SubView(start, count), cut.Value, piece.View.SubView(0, count), start);
            piece.View.SubView(0, count).CopyToCPU(ref trimmed[start], count);
        }
        Assert.Equal(TiesInputs.Bits(cpu), TiesInputs.Bits(trimmed));
    }

    [Fact]
    public void A_refused_piece_refuses_the_cut()
    {
        Assert.Null(device.Gpu.Kernels.FindTopKByMagnitudeInPieces(Length, 1000, 50_000, (start, _) => start == 0));
    }
}
