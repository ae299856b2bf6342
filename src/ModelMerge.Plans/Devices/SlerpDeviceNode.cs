using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Compute.Gpu;
using ModelMerge.Methods;

namespace ModelMerge.Plans.Devices;

/// <summary>
/// SLERP as <c>Slerp</c> computes it: the three float64 dot products of the whole tensor on the
/// device, summed in the CPU's chunk and lane order, the arc's coefficients on the host, then
/// c_start·start + c_end·end in one kernel (the CPU adds the same two products, in the other order
/// of a sum that does not depend on it).
/// </summary>
internal sealed class SlerpDeviceNode(DeviceNode start, DeviceNode end, long length, double t)
    : RowGramDeviceNode(baseTensor: null, [start, end], rowLength: length, [(0, 0), (1, 1), (1, 0)])
{
    protected override (double[] Values, IReadOnlyList<string> Remarks)? Parameters(RowOrderSums sums, CancellationToken cancellation)
    {
        var (startCoefficient, endCoefficient) = Slerp.Coefficients(sums.Totals[0], sums.Totals[1], sums.Totals[2], t);
        return ([startCoefficient, endCoefficient], []);
    }

    protected override void Combine(DeviceRun run, ArrayView<float> packed, double[] values, ArrayView<double> coefficients, ArrayView<float> baseValues, long first,
        ArrayView1D<float, Stride1D.Dense> destination) =>
        run.Kernels.LinearCombinationRows(packed, coefficients, RowLength, first, baseValues, 0, destination);
}
