using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Compute.Gpu;

namespace ModelMerge.Plans.Devices;

/// <summary>
/// A merge whose elementwise step needs, per row, the dot products between its inputs (slerp's
/// and nuslerp's pair, the Gram matrices of multislerp, karcher and model stock): the sums on the
/// device in the CPU's per-row order, the per-row parameters on the host (the method's own code),
/// then one combining kernel. A "row" may be the whole tensor. In pieces, the sums come first from
/// a pass over every piece.
/// </summary>
internal abstract class RowGramDeviceNode(DeviceNode? baseTensor, IReadOnlyList<DeviceNode> inputs, long rowLength, (int A, int B)[] pairs) : DeviceNode
{
    public override long Length => inputs[0].Length;

    public override double ScratchBuffers =>
        inputs.Count + (baseTensor is null ? 0 : 1) + Math.Max(inputs.Max(i => i.ScratchBuffers), baseTensor?.ScratchBuffers ?? 0);

    protected long RowLength => rowLength;

    protected int InputCount => inputs.Count;

    protected bool HasBase => baseTensor is not null;

    /// <summary>How many vectors the sums run over: rows of <see cref="RowLength"/> along the flat tensor.</summary>
    protected virtual long Vectors => (Length + rowLength - 1) / rowLength;

    /// <summary>Adds the sums of elements [first, first + count) of the inputs (<paramref name="stride"/> apart in <paramref name="packed"/>).</summary>
    protected virtual void AddSums(GpuKernels kernels, ArrayView<float> packed, long stride, long count, long first, (int A, int B)[] pairs, RowOrderSums sums) =>
        kernels.AddRowDots(packed, stride, count, first, rowLength, pairs, sums);

    /// <summary>
    /// The combine's parameters from the rows' sums (Width per row, laid out as the pairs), with
    /// what the CPU says of them as it merges; null when the CPU must refuse them with its own message.
    /// </summary>
    /// <param name="cancellation">The export's stop, for methods whose parameters take many iterations (karcher).</param>
    protected abstract (double[] Values, IReadOnlyList<string> Remarks)? Parameters(RowOrderSums sums, CancellationToken cancellation);

    /// <summary>
    /// Writes the merged elements [start, start + destination.Length) from the inputs (back to
    /// back) and the base, with the parameters as computed (<paramref name="values"/>) and on the device.
    /// </summary>
    protected abstract void Combine(DeviceRun run, ArrayView<float> packed, double[] values, ArrayView<double> parameters, ArrayView<float> baseValues,
        long start, ArrayView1D<float, Stride1D.Dense> destination);

    public override bool TryEvaluate(DeviceRun run, long start, ArrayView1D<float, Stride1D.Dense> destination)
    {
        long n = destination.Length;
        using var packed = run.Allocate<float>(inputs.Count * n);
        RowParameters parameters;
        if (n == Length)
        {
            if (!EvaluateAll(run, 0, packed.View, n, n) || Sums(run, packed.View, n, n, 0) is not { } whole) return false;
            parameters = whole;
        }
        else if (!run.TryRemember(this, () => SumsInPieces(run, packed.View, n), out parameters) || !EvaluateAll(run, start, packed.View, n, n)) return false;

        using var baseValues = baseTensor is null ? null : run.Allocate<float>(n);
        if (baseTensor is not null && !baseTensor.TryEvaluate(run, start, baseValues!.View)) return false;
        using var deviceParameters = run.Gpu.Accelerator.Allocate1D(parameters.Values);
        Combine(run, packed.View, parameters.Values, deviceParameters.View, baseValues is null ? ArrayView<float>.Empty : baseValues.View, start, destination);
        // Said once the tensor is the GPU's: a refusal above hands it to the CPU, which says it itself.
        if (start == 0)
            foreach (var remark in parameters.Remarks) run.Context.Warn($"tensor '{run.TensorName}': {remark}");
        return true;
    }

    /// <summary>Evaluates elements [start, start + count) of every input, input i at i·stride of <paramref name="packed"/>.</summary>
    private bool EvaluateAll(DeviceRun run, long start, ArrayView<float> packed, long stride, long count)
    {
        for (int i = 0; i < inputs.Count; i++)
            if (!inputs[i].TryEvaluate(run, start, packed.SubView(i * stride, count))) return false;
        return true;
    }

    private RowParameters? Sums(DeviceRun run, ArrayView<float> packed, long stride, long count, long first)
    {
        var sums = NewSums();
        AddSums(run.Kernels, packed, stride, count, first, pairs, sums);
        return Finish(sums, run.Context.Runner.Cancellation);
    }

    /// <summary>The parameters from passes over pieces the size of the packed scratch's stride (whole grid chunks, in order).</summary>
    private RowParameters? SumsInPieces(DeviceRun run, ArrayView<float> packed, long stride)
    {
        var sums = NewSums();
        for (long first = 0; first < Length; first += stride)
        {
            long count = Math.Min(stride, Length - first);
            if (!EvaluateAll(run, first, packed, stride, count)) return null;
            AddSums(run.Kernels, packed, stride, count, first, pairs, sums);
        }
        return Finish(sums, run.Context.Runner.Cancellation);
    }

    private RowOrderSums NewSums() => new(Vectors, pairs.Length);

    private RowParameters? Finish(RowOrderSums sums, CancellationToken cancellation) => Parameters(sums, cancellation) is var (values, remarks) ? new RowParameters(values, remarks) : null;

    private readonly record struct RowParameters(double[] Values, IReadOnlyList<string> Remarks);
}
