using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Compute;
using ModelMerge.Compute.Cpu;
using ModelMerge.Compute.Gpu;
using ModelMerge.Methods.Framework;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Gpu;

/// <summary>
/// Per-row float64 dot products on the device against the CPU's <c>MergeInputs.SumPerRow</c>, bit
/// for bit: rows that fit a grid chunk many times, rows that straddle chunk boundaries, one row
/// that is the whole tensor, whether the tensor is summed whole or piece by piece.
/// </summary>
[Collection(SimulatedDeviceCollection.Name)]
public class RowDotKernelTests(SimulatedDevice device)
{
    private static readonly (int A, int B)[] Pairs = [(0, 0), (1, 1), (0, 1)];

    [Theory]
    [InlineData(90, 2048, 0)]          // 32 rows to a chunk
    [InlineData(60, 5000, 0)]          // rows straddle the chunk boundaries
    [InlineData(1, 200_000, 0)]        // one row, four chunks
    [InlineData(60, 5000, 65_536)]     // the same, in pieces of one chunk
    [InlineData(1, 200_000, 131_072)]
    public void Row_sums_have_the_bits_of_the_cpus(int rows, int rowLength, int pieceElements)
    {
        var random = new Random(rows + rowLength);
        float[] Values() => Enumerable.Range(0, rows * rowLength).Select(_ => (float)(random.NextDouble() - 0.5) * (random.Next(4) == 0 ? 1e3f : 1f)).ToArray();
        var a = Values();
        var b = Values();
        var inputs = new MergeInputs("w", [rows, rowLength], null, [new ArraySource(a), new ArraySource(b)]);
        var cpu = inputs.SumPerRow(new ChunkRunner(2), 3, (in InputChunk chunk, long _, int offset, int length, Span<double> sums) =>
        {
            var x = chunk.Model(0).Slice(offset, length);
            var y = chunk.Model(1).Slice(offset, length);
            sums[0] += Reductions.SumOfSquares(x);
            sums[1] += Reductions.SumOfSquares(y);
            sums[2] += Reductions.Dot(x, y);
        });

        long n = a.Length, piece = pieceElements == 0 ? n : pieceElements;
        var totals = new RowOrderSums(rows, 3);
        using var packed = device.Gpu.Accelerator.Allocate1D<float>(2 * piece);
        for (long first = 0; first < n; first += piece)
        {
            int count = (int)Math.Min(piece, n - first);
            packed.View.SubView(0, count).CopyFromCPU(a.AsSpan((int)first, count).ToArray());
            packed.View.SubView(piece, count).CopyFromCPU(b.AsSpan((int)first, count).ToArray());
            device.Gpu.Kernels.AddRowDots(packed.View, piece, count, first, rowLength, Pairs, totals);
        }

        Assert.Equal(cpu.Select(BitConverter.DoubleToInt64Bits), totals.Totals.ToArray().Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void Segments_cover_every_element_once_in_chunk_then_row_order()
    {
        var segments = RowOrderSums.Segments(first: 65_536, count: 70_000, rowLength: 5000);

        Assert.Equal((0, 4_464, 13L), segments[0]);          // row 13 runs from 65,000 to 70,000
        Assert.Equal(70_000, segments.Sum(s => s.Length));
        Assert.All(segments.Zip(segments.Skip(1)), p => Assert.Equal(p.First.Start + p.First.Length, p.Second.Start));
        // Row 26 (130,000 to 135,000) is cut by the chunk boundary at 131,072: two segments.
        Assert.Equal(2, segments.Count(s => s.Row == 26));
    }
}
