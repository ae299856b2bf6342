using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Compute.Gpu;
using ModelMerge.Methods;

namespace ModelMerge.Plans.Devices;

/// <summary>
/// multislerp and karcher (<see cref="IGramCombination"/>): the inputs' Gram matrix on the device
/// in the CPU's order, the method's own coefficients from it on the host, then one linear
/// combination. Karcher counts the base as its last input; multislerp adds it back to merged task vectors.
/// </summary>
internal sealed class GramCombinationDeviceNode : RowGramDeviceNode
{
    private readonly IGramCombination _method;
    private readonly int _models;
    private readonly bool _hasBase;

    private GramCombinationDeviceNode(IGramCombination method, DeviceNode? separateBase, IReadOnlyList<DeviceNode> inputs, int models, bool hasBase)
        : base(separateBase, inputs, inputs[0].Length, IGramCombination.UpperTriangle(inputs.Count))
    {
        _method = method;
        _models = models;
        _hasBase = hasBase;
    }

    public static GramCombinationDeviceNode Create(IGramCombination method, DeviceNode? baseTensor, IReadOnlyList<DeviceNode> models) =>
        method.GramIncludesBase && baseTensor is not null
            ? new GramCombinationDeviceNode(method, null, [.. models, baseTensor], models.Count, hasBase: true)
            : new GramCombinationDeviceNode(method, baseTensor, models, models.Count, baseTensor is not null);

    protected override (double[] Values, IReadOnlyList<string> Remarks)? Parameters(RowOrderSums sums, CancellationToken cancellation)
    {
        try
        {
            var (models, baseCoefficient) = _method.Coefficients(_models, _hasBase, sums.Totals, cancellation);
            return ([.. models, baseCoefficient], []);
        }
        // Inputs the method refuses (antipodal, cancelling, without a direction): the CPU reports them with its own message.
        catch (MergeException) { return null; }
    }

    protected override void Combine(DeviceRun run, ArrayView<float> packed, double[] values, ArrayView<double> coefficients, ArrayView<float> baseValues,
        long start, ArrayView1D<float, Stride1D.Dense> destination)
    {
        long n = destination.Length;
        // Karcher's base is the packed input after the models; multislerp's was evaluated on its own.
        var models = packed.SubView(0, _models * n);
        var baseView = _method.GramIncludesBase && _hasBase ? packed.SubView(_models * n, n) : baseValues;
        run.Kernels.LinearCombinationRows(models, coefficients, RowLength, start, baseView, values[^1], destination);
    }
}
