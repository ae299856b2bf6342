using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Compute.Gpu;
using ModelMerge.Methods;

namespace ModelMerge.Plans.Devices;

/// <summary>
/// nuslerp (<c>Nuslerp</c>) of the whole flattened tensor, of each row along the last axis, or of
/// each vector along the first axis (element p in vector p mod V, nuslerp_row_wise): the pair's
/// three dot products per vector in the CPU's order, each vector's guarded arc coefficients on
/// the host, then c₀·a + c₁·b (+ the base, when the pair are task vectors) in one kernel.
/// </summary>
internal sealed class NuslerpDeviceNode(DeviceNode? baseTensor, DeviceNode first, DeviceNode second, NuslerpVectors vectors, long vectorLength, double t)
    : RowGramDeviceNode(baseTensor, [first, second], vectorLength, [(0, 0), (1, 1), (0, 1)])
{
    /// <summary>Along the first axis, <see cref="RowGramDeviceNode.RowLength"/> is the number of vectors V.</summary>
    private bool AlongFirstAxis => vectors == NuslerpVectors.FirstAxis;

    protected override long Vectors => AlongFirstAxis ? RowLength : base.Vectors;

    protected override void AddSums(GpuKernels kernels, ArrayView<float> packed, long stride, long count, long start, (int A, int B)[] pairs, RowOrderSums sums)
    {
        if (AlongFirstAxis) kernels.AddColumnDots(packed, stride, count, start, RowLength, pairs, sums);
        else base.AddSums(kernels, packed, stride, count, start, pairs, sums);
    }

    protected override (double[] Values, IReadOnlyList<string> Remarks)? Parameters(RowOrderSums sums, CancellationToken cancellation)
    {
        var totals = sums.Totals;
        var coefficients = new double[totals.Length / 3 * 2];
        for (int r = 0; r < totals.Length / 3; r++)
            (coefficients[2 * r], coefficients[2 * r + 1]) = Nuslerp.Coefficients(totals[3 * r], totals[3 * r + 1], totals[3 * r + 2], t);
        return (coefficients, []);
    }

    protected override void Combine(DeviceRun run, ArrayView<float> packed, double[] values, ArrayView<double> coefficients, ArrayView<float> baseValues,
        long start, ArrayView1D<float, Stride1D.Dense> destination)
    {
        if (AlongFirstAxis) run.Kernels.LinearCombinationColumns(packed, coefficients, RowLength, start, baseValues, HasBase ? 1 : 0, destination);
        else run.Kernels.LinearCombinationRows(packed, coefficients, RowLength, start, baseValues, HasBase ? 1 : 0, destination);
    }
}
