using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Compute;
using ModelMerge.Compute.Cpu;
using ModelMerge.Methods;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Gpu;

/// <summary>
/// DELLA's drop on the device against the CPU's <c>RowRankedMask</c> and against §4.2 read
/// literally (each row sorted by magnitude, then index; each element drawn against its rank's
/// limit): the same mask for matrices, rows of odd lengths, one-element rows, whole-tensor rows,
/// rows along an inner axis, crowds of equal magnitudes, and rows sorted in several batches.
/// </summary>
[Collection(SimulatedDeviceCollection.Name)]
public class RankedDropKernelTests(SimulatedDevice device)
{
    private const string TensorName = "model.layers.1.mlp.down_proj.weight";

    public static TheoryData<long[], long> Shapes => new()
    {
        { [96, 300], 1L << 25 },       // rows padded from 300 to 512
        { [64, 256], 1L << 25 },       // rows already a power of two
        { [96, 300], 1500 },           // two slabs per batch, 48 batches
        { [5000, 1], 1L << 25 },       // rows of one element: rank 0, probability d
        { [20_000], 1L << 25 },        // a vector is one row
        { [4, 37, 50], 1L << 25 },     // rows along axis 1, stride 50
        { [4, 37, 50], 3000 },         // one slab of 50 strided rows per batch
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_mask_is_the_cpus_and_the_literal_definitions(long[] shape, long keysPerBatch)
    {
        var rows = RankedDrop.Rows(shape);
        var tau = TiesInputs.TaskVector((int)rows.Length, seed: 3);
        ulong key = CounterRandom.Key(41, TensorName, 1);
        var limits = Array.ConvertAll(RankedDrop.KeepProbabilities(rows.RowLength, 0.4, 0.15), CounterRandom.KeepLimit);

        var mask = RowRankedMask.Build(new ArraySource(tau), rows, key, limits, new ChunkRunner(2));
        var cpu = (float[])tau.Clone();
        mask.Apply(0, cpu);
        mask.Dispose();

        using var values = device.Gpu.Accelerator.Allocate1D(tau);
        using var dropped = device.Gpu.Accelerator.Allocate1D<float>(tau.Length);
        using var keepLimits = device.Gpu.Accelerator.Allocate1D(limits);
        device.Gpu.Kernels.RankedDrop(values.View, rows, 0, key, keepLimits.View, dropped.View, keysPerBatch);

        var gpu = TiesInputs.Bits(dropped.GetAsArray1D());
        Assert.Equal(TiesInputs.Bits(Literal(tau, rows, key, limits, first: 0)), gpu);
        Assert.Equal(TiesInputs.Bits(cpu), gpu);
    }

    [Fact]
    public void A_part_of_the_tensor_draws_by_its_flat_indices()
    {
        var rows = new RowLayout(Slabs: 40, RowLength: 300, Stride: 1);
        var tau = TiesInputs.TaskVector((int)rows.Length, seed: 8);
        ulong key = CounterRandom.Key(41, TensorName, 0);
        var limits = Array.ConvertAll(RankedDrop.KeepProbabilities(rows.RowLength, 0.3, 0.2), CounterRandom.KeepLimit);
        var part = rows with { Slabs = 10 };
        const long first = 25 * 300;

        using var values = device.Gpu.Accelerator.Allocate1D(tau.AsSpan((int)first, (int)part.Length).ToArray());
        using var dropped = device.Gpu.Accelerator.Allocate1D<float>(part.Length);
        using var keepLimits = device.Gpu.Accelerator.Allocate1D(limits);
        device.Gpu.Kernels.RankedDrop(values.View, part, first, key, keepLimits.View, dropped.View);

        var whole = Literal(tau, rows, key, limits, first: 0);
        Assert.Equal(TiesInputs.Bits(whole.AsSpan((int)first, (int)part.Length).ToArray()), TiesInputs.Bits(dropped.GetAsArray1D()));
    }

    [Fact]
    public void Ties_inside_a_row_are_ranked_by_index()
    {
        // One row of 1000 equal magnitudes with both signs: only the index orders them, so the
        // lowest indices take the lowest keep limits (all zero below rank 500 here, all 2^32 above).
        var tau = Enumerable.Range(0, 1000).Select(j => j % 3 == 0 ? -0.5f : 0.5f).ToArray();
        var rows = new RowLayout(1, 1000, 1);
        var limits = Enumerable.Range(0, 1000).Select(rank => rank < 500 ? 0UL : 1UL << 32).ToArray();

        using var values = device.Gpu.Accelerator.Allocate1D(tau);
        using var dropped = device.Gpu.Accelerator.Allocate1D<float>(tau.Length);
        using var keepLimits = device.Gpu.Accelerator.Allocate1D(limits);
        device.Gpu.Kernels.RankedDrop(values.View, rows, 0, key: 99, keepLimits.View, dropped.View);

        var expected = tau.Select((v, j) => j < 500 ? 0f : v).ToArray();
        Assert.Equal(TiesInputs.Bits(expected), TiesInputs.Bits(dropped.GetAsArray1D()));
    }

    /// <summary>§4.2: rank by (|x|'s bits, index) within each row, keep ⇔ draw &lt; limit[rank], dropped as +0.</summary>
    private static float[] Literal(float[] tau, RowLayout rows, ulong key, ulong[] limits, long first)
    {
        var result = new float[tau.Length];
        for (long s = 0; s < rows.Slabs; s++)
            for (long i = 0; i < rows.Stride; i++)
            {
                var members = Enumerable.Range(0, (int)rows.RowLength).Select(b => s * rows.SlabLength + b * rows.Stride + i).ToArray();
                var order = members.OrderBy(e => BitConverter.SingleToUInt32Bits(tau[e]) & 0x7FFF_FFFF).ThenBy(e => e).ToArray();
                for (int rank = 0; rank < order.Length; rank++)
                {
                    long e = order[rank];
                    if (CounterRandom.Keep(key, first + e, limits[rank])) result[e] = tau[e];
                }
            }
        return result;
    }
}
