using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Compute.Gpu;
using ModelMerge.Methods;

namespace ModelMerge.Plans.Devices;

/// <summary>
/// nuslerp (<c>Nuslerp</c>) of the whole flattened tensor or of each row along the last axis:
/// the pair's three dot products per row in the CPU's order, each row's guarded arc coefficients
/// on the host, then c₀·a + c₁·b (+ the base, when the pair are task vectors) in one kernel.
/// </summary>
internal sealed class NuslerpDeviceNode(DeviceNode? baseTensor, DeviceNode first, DeviceNode second, long rowLength, double t)
    : RowGramDeviceNode(baseTensor, [first, second], rowLength, [(0, 0), (1, 1), (0, 1)])
{
    protected override (double[] Values, IReadOnlyList<string> Remarks)? Parameters(RowOrderSums sums)
    {
        var totals = sums.Totals;
        var coefficients = new double[totals.Length / 3 * 2];
        for (int r = 0; r < totals.Length / 3; r++)
            (coefficients[2 * r], coefficients[2 * r + 1]) = Nuslerp.Coefficients(totals[3 * r], totals[3 * r + 1], totals[3 * r + 2], t);
        return (coefficients, []);
    }

    protected override void Combine(DeviceRun run, ArrayView<float> packed, double[] values, ArrayView<double> coefficients, ArrayView<float> baseValues, long start,
        ArrayView1D<float, Stride1D.Dense> destination) =>
        run.Kernels.LinearCombinationRows(packed, coefficients, RowLength, start, baseValues, HasBase ? 1 : 0, destination);
}
