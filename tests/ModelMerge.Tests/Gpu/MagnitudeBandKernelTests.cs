using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Compute;
using ModelMerge.Compute.Cpu;
using ModelMerge.Compute.Gpu;
using ModelMerge.Methods;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Gpu;

/// <summary>
/// Breadcrumbs' band on the device against the CPU's <c>RankBoundary</c> and <c>MagnitudeBand</c>:
/// the same thresholds, the same ties on each side of each edge, the same bits, whether the
/// tensor is held whole or read in pieces.
/// </summary>
[Collection(SimulatedDeviceCollection.Name)]
public class MagnitudeBandKernelTests(SimulatedDevice device)
{
    // Three grid chunks, the last one partial: ties at both edges fall in every chunk.
    private const int Length = 2 * ChunkGrid.ChunkElements + 18_929;

    private static (RankBoundary Lower, RankBoundary Upper, float[] Banded) CpuBand(float[] tau, long bottom, long top, bool quirks = false)
    {
        var source = new ArraySource(tau);
        var runner = new ChunkRunner(2);
        var band = new MagnitudeBand(
            bottom > 0 ? RankBoundary.Find(source, bottom, runner) : RankBoundary.First,
            top > 0 ? RankBoundary.Find(source, tau.Length - top, runner) : quirks ? RankBoundary.First : RankBoundary.PastLast);
        var banded = (float[])tau.Clone();
        for (long c = 0; c < ChunkGrid.ChunkCount(tau.Length); c++)
        {
            var (start, count) = ChunkGrid.Chunk(tau.Length, c);
            band.Apply(c, banded.AsSpan((int)start, count));
        }
        return (band.Lower, band.Upper, banded);
    }

    private (DeviceRankBoundary Lower, DeviceRankBoundary Upper) DeviceEdges(ArrayView<float> values, long bottom, long top, bool quirks = false) =>
        (bottom > 0 ? device.Gpu.Kernels.FindRankBoundary(values, bottom) : DeviceRankBoundary.First,
         top > 0 ? device.Gpu.Kernels.FindRankBoundary(values, values.Length - top) : quirks ? DeviceRankBoundary.First : DeviceRankBoundary.PastLast);

    [Theory]
    [InlineData(0.3, 0.01, 5, false)]
    [InlineData(0.3, 0.2, 9, false)]
    [InlineData(0.6, 0.05, 9, true)]
    [InlineData(0.9, 0.1, 13, false)]
    [InlineData(0.05, 0.5, 21, true)]
    public void The_device_band_keeps_exactly_the_elements_the_cpu_keeps(double density, double gamma, int seed, bool nonFinite)
    {
        var tau = TiesInputs.TaskVector(Length, seed, nonFinite: nonFinite);
        var (_, top, bottom) = OutlierTrim.Counts(density, gamma, Length, "w");
        var (cpuLower, cpuUpper, cpu) = CpuBand(tau, bottom, top);

        using var values = device.Gpu.Accelerator.Allocate1D(tau);
        using var banded = device.Gpu.Accelerator.Allocate1D<float>(Length);
        var (lower, upper) = DeviceEdges(values.View, bottom, top);
        device.Gpu.Kernels.ApplyMagnitudeBand(values.View, lower, upper, banded.View);

        Assert.Equal((cpuLower.ThresholdBits, cpuUpper.ThresholdBits), (lower.ThresholdBits, upper.ThresholdBits));
        Assert.Equal(TiesInputs.Bits(cpu), TiesInputs.Bits(banded.GetAsArray1D()));
        Assert.Equal(ZeroSignless(BandBySorting(tau, bottom, top)), ZeroSignless(cpu));
    }

    /// <summary>
    /// The bits, −0 read as +0: at an edge of magnitude zero the CPU keeps every zero with its sign
    /// rather than drop some of them as +0 (the same zeros either way).
    /// </summary>
    private static uint[] ZeroSignless(float[] values) => Array.ConvertAll(TiesInputs.Bits(values), b => b == 0x8000_0000u ? 0u : b);

    /// <summary>§4.2's definition read literally: sort by (|x|'s bits, index), keep positions [bottom, n − top), drop the rest as +0.</summary>
    private static float[] BandBySorting(float[] tau, long bottom, long top)
    {
        var order = Enumerable.Range(0, tau.Length).OrderBy(j => BitConverter.SingleToUInt32Bits(tau[j]) & 0x7FFF_FFFF).ThenBy(j => j).ToArray();
        var banded = new float[tau.Length];
        for (long position = bottom; position < tau.Length - top; position++) banded[order[position]] = tau[order[position]];
        return banded;
    }

    [Fact]
    public void Both_edges_split_their_runs_of_equal_magnitudes_by_index()
    {
        var tau = TiesInputs.TaskVector(Length, seed: 9);
        // Ascending, the lower edge (70%) falls among the 0.25s and the upper one (87%) among the 0.75s.
        var (_, top, bottom) = OutlierTrim.Counts(0.17, 0.13, Length, "w");
        var (cpuLower, cpuUpper, cpu) = CpuBand(tau, bottom, top);

        using var values = device.Gpu.Accelerator.Allocate1D(tau);
        using var banded = device.Gpu.Accelerator.Allocate1D<float>(Length);
        var (lower, upper) = DeviceEdges(values.View, bottom, top);
        device.Gpu.Kernels.ApplyMagnitudeBand(values.View, lower, upper, banded.View);

        // The inputs put each edge among thousands of equal nonzero magnitudes, some on either side.
        Assert.All(new[] { cpuLower, cpuUpper }, edge => Assert.NotEqual(0u, edge.ThresholdBits));
        Assert.All(new[] { cpuLower, cpuUpper }, edge => Assert.NotNull(edge.TiesBeforeChunk));
        Assert.InRange(lower.LastTieBelow, 0, Length - 1);
        Assert.InRange(upper.LastTieBelow, 0, Length - 1);
        var lowerTies = Enumerable.Range(0, Length).Where(j => (BitConverter.SingleToUInt32Bits(tau[j]) & 0x7FFF_FFFF) == lower.ThresholdBits).ToArray();
        Assert.Equal(lowerTies[(int)cpuLower.TiesBelow - 1], lower.LastTieBelow);
        Assert.Equal(TiesInputs.Bits(cpu), TiesInputs.Bits(banded.GetAsArray1D()));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void With_no_outlier_to_drop_the_band_runs_past_the_largest_or_under_mergekits_quirk_keeps_nothing(bool quirks)
    {
        var tau = TiesInputs.TaskVector(Length, seed: 5);
        var (_, top, bottom) = OutlierTrim.Counts(0.3, 0.0, Length, "w");
        Assert.Equal(0, top);
        var (_, _, cpu) = CpuBand(tau, bottom, top, quirks);

        using var values = device.Gpu.Accelerator.Allocate1D(tau);
        using var banded = device.Gpu.Accelerator.Allocate1D<float>(Length);
        var (lower, upper) = DeviceEdges(values.View, bottom, top, quirks);
        device.Gpu.Kernels.ApplyMagnitudeBand(values.View, lower, upper, banded.View);

        var bits = TiesInputs.Bits(banded.GetAsArray1D());
        Assert.Equal(TiesInputs.Bits(cpu), bits);
        if (quirks) Assert.All(bits, b => Assert.Equal(0u, b));
        else Assert.Contains(bits, b => (b & 0x7FFF_FFFF) == tau.Max(v => BitConverter.SingleToUInt32Bits(v) & 0x7FFF_FFFF));
    }

    [Theory]
    [InlineData(0.3, 0.2, 40_000, 9)]
    [InlineData(0.5, 0.1, 12_345, 5)]
    [InlineData(0.2, 0.4, 100_000, 9)]
    public void Pieces_find_the_edges_of_the_whole_tensor_and_band_each_piece_as_the_cpu_does(double density, double gamma, int pieceElements, int seed)
    {
        var tau = TiesInputs.TaskVector(Length, seed);
        var (_, top, bottom) = OutlierTrim.Counts(density, gamma, Length, "w");
        var (_, _, cpu) = CpuBand(tau, bottom, top);

        using var whole = device.Gpu.Accelerator.Allocate1D(tau);
        bool ReadPiece(long start, ArrayView<float> piece)
        {
            whole.View.SubView(start, piece.Length).CopyTo(piece);
            return true;
        }
        var lower = device.Gpu.Kernels.FindRankBoundaryInPieces(Length, bottom, pieceElements, ReadPiece);
        var upper = device.Gpu.Kernels.FindRankBoundaryInPieces(Length, Length - top, pieceElements, ReadPiece);

        Assert.Equal(DeviceEdges(whole.View, bottom, top), (lower!.Value, upper!.Value));
        var banded = new float[Length];
        using var piece = device.Gpu.Accelerator.Allocate1D<float>(pieceElements);
        for (int start = 0; start < Length; start += pieceElements)
        {
            int count = Math.Min(pieceElements, Length - start);
            device.Gpu.Kernels.ApplyMagnitudeBand(whole.View.SubView(start, count), lower.Value, upper.Value, piece.View.SubView(0, count), start);
            piece.View.SubView(0, count).CopyToCPU(ref banded[start], count);
        }
        Assert.Equal(TiesInputs.Bits(cpu), TiesInputs.Bits(banded));
    }

    [Fact]
    public void A_refused_piece_refuses_the_edge()
    {
        Assert.Null(device.Gpu.Kernels.FindRankBoundaryInPieces(Length, 1000, 50_000, (start, _) => start == 0));
    }
}
