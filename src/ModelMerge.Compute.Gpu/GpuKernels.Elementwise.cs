using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Compute.Cpu;

namespace ModelMerge.Compute.Gpu;

/// <summary>
/// The element kernels of the merges (conversions, task vectors, weighted sums, DARE's drop,
/// slerp's reductions and combine), each giving the bits of the CPU function it names. Views are
/// device buffers; every call is queued on the accelerator's default stream, except the
/// reductions, which wait for their sums to come back.
/// </summary>
public sealed partial class GpuKernels
{
    private Action<Index1D, ArrayView<ushort>, ArrayView<float>>? _widenHalf;
    private Action<Index1D, ArrayView<float>, ArrayView<ushort>>? _narrowHalf;
    private Action<Index1D, ArrayView<ushort>, ArrayView<ushort>, ArrayView<float>>? _bfloat16Difference;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>? _singleDifference;
    private Action<Index1D, ArrayView<float>, ArrayView<double>, double, double, ArrayView<float>, ArrayView<float>>? _weightedSum;
    private Action<Index1D, ArrayView<float>, ulong, long, ulong, float>? _drop;
    private Action<Index1D, ArrayView<float>, long, ulong, ulong, ArrayView<double>>? _magnitudeLanes;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<double>>? _dotLanes;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, double, double, ArrayView<float>>? _nearSwap;

    /// <summary>float32 ← IEEE half bits, exactly; NaNs quieted as .NET's <c>Half</c> does. Matches <c>ElementConversion.ToSingle(DType.F16, …)</c>.</summary>
    public void WidenHalf(ArrayView<ushort> source, ArrayView<float> destination) =>
        (_widenHalf ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<ushort>, ArrayView<float>>(HalfConversionKernels.WidenHalf))
            ((int)source.Length, source, destination);

    /// <summary>IEEE half bits ← float32, nearest even. Matches <c>ElementConversion.FromSingle(DType.F16, …)</c>.</summary>
    public void NarrowHalf(ArrayView<float> source, ArrayView<ushort> destination) =>
        (_narrowHalf ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<ushort>>(HalfConversionKernels.NarrowHalf))
            ((int)source.Length, source, destination);

    /// <summary>
    /// float32 in, float32 out: <c>ElementConversion</c>'s F32 case is a plain copy both ways, and
    /// so is this (a device copy on the default stream, ordered with the kernels around it).
    /// </summary>
    public static void CopySingle(ArrayView<float> source, ArrayView<float> destination) => source.CopyTo(destination);

    /// <summary>a − b from bf16 bits, widened exactly and rounded once to float32. Matches <c>BFloat16Conversion.Difference</c>.</summary>
    public void BFloat16Difference(ArrayView<ushort> a, ArrayView<ushort> b, ArrayView<float> destination) =>
        (_bfloat16Difference ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<ushort>, ArrayView<ushort>, ArrayView<float>>(
            DifferenceKernels.BFloat16Difference))((int)a.Length, a, b, destination);

    /// <summary>
    /// a − b of float32 inputs (F32 tensors, or F16 and mixed types widened first). Matches
    /// <c>ElementConversion.Difference</c> for any pair other than bf16 and bf16.
    /// </summary>
    public void SingleDifference(ArrayView<float> a, ArrayView<float> b, ArrayView<float> destination) =>
        (_singleDifference ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>(
            DifferenceKernels.SingleDifference))((int)a.Length, a, b, destination);

    /// <summary>
    /// output = base + (Σ_i w_i·x_i)/divisor·scale in float64, rounded once to float32: the
    /// linear merge and task arithmetic. Matches <c>WeightedSum.Combine</c> (what
    /// <c>WeightedSumPlan</c> and <c>Linear</c> run), bit for bit.
    /// </summary>
    /// <param name="terms">The inputs back to back, input i at [i·n, (i+1)·n) with n = output.Length.</param>
    /// <param name="baseValues">The base, or an empty view for none.</param>
    public void WeightedSum(ArrayView<float> terms, ArrayView<double> weights, double divisor, double scale,
        ArrayView<float> baseValues, ArrayView<float> output) =>
        (_weightedSum ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<double>, double, double, ArrayView<float>, ArrayView<float>>(
            WeightedSumKernels.WeightedSum))((int)output.Length, terms, weights, divisor, scale, baseValues, output);

    /// <summary>
    /// output = Σ_i c_i·x_i + c_b·base in float64, rounded once: the element step of slerp once its
    /// coefficients are known (<c>Slerp.Coefficients</c> on the Gram matrix from <see cref="Dot"/>).
    /// Matches <c>LinearCombination.Combine(chunk, coefficients, baseCoefficient, …)</c>, bit for bit.
    /// </summary>
    /// <param name="models">The models back to back, model i at [i·n, (i+1)·n) with n = output.Length.</param>
    public void LinearCombination(ArrayView<float> models, ArrayView<double> coefficients, ArrayView<float> baseValues, double baseCoefficient,
        ArrayView<float> output) =>
        LinearCombinationByVector(models, coefficients, output.Length, 0, alongFirstAxis: false, baseValues, baseCoefficient, output);

    /// <summary>
    /// DARE in place: zero each element whose counter draw says drop, multiply the survivors by
    /// <paramref name="factor"/>. Matches <c>RandomDrop.Apply</c>; key from <c>CounterRandom.Key</c>,
    /// limit from <c>CounterRandom.KeepLimit</c>, factor from <see cref="DropL1Factor"/> or <c>SurvivorRescale.Factor</c>.
    /// </summary>
    /// <param name="start">The tensor index of values[0], so a tensor can be processed a window at a time.</param>
    public void Drop(ArrayView<float> values, ulong key, long start, ulong keepLimit, float factor) =>
        (_drop ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ulong, long, ulong, float>(RandomDropKernels.Drop))
            ((int)values.Length, values, key, start, keepLimit, factor);

    /// <summary>nearswap of the base <paramref name="baseValues"/> towards <paramref name="other"/> by <paramref name="t"/>: the bits of <c>NearSwap</c>'s merge.</summary>
    public void NearSwap(ArrayView<float> baseValues, ArrayView<float> other, double t, double minimumDistance, ArrayView<float> output) =>
        (_nearSwap ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, double, double, ArrayView<float>>(NearSwapKernels.Blend))
            ((int)output.Length, baseValues, other, t, minimumDistance, output);

    /// <summary>
    /// mergekit's L1 rescale factor Σ|τ| / Σ|τ·mask| over the whole task vector (1 when either sum
    /// is below 1e-7). Matches <c>SurvivorRescale.L1Factor</c> with <c>RandomDrop</c>'s mask, bit for bit.
    /// </summary>
    /// <param name="taskVector">The whole tensor: the grid chunks start at its first element.</param>
    public float DropL1Factor(ArrayView<float> taskVector, ulong key, ulong keepLimit)
    {
        var (before, after) = DropMagnitudeSums(taskVector, key, keepLimit);
        return Reductions.L1RescaleRatio(before, after);
    }

    /// <summary>Σ|τ| and Σ|τ·mask| in float64, summed per chunk and lane and then added in the CPU's order.</summary>
    internal (double Before, double After) DropMagnitudeSums(ArrayView<float> taskVector, ulong key, ulong keepLimit)
    {
        ChunkOrderSum before = new(), after = new();
        AddDropMagnitudeSums(taskVector, 0, key, keepLimit, before, after);
        return (before.Value, after.Value);
    }

    /// <summary>
    /// Adds one piece's Σ|τ| and Σ|τ·mask| to running totals, for a task vector too large to hold:
    /// the piece is elements [<paramref name="first"/>, first + length) and starts on a grid chunk.
    /// </summary>
    public void AddDropMagnitudeSums(ArrayView<float> piece, long first, ulong key, ulong keepLimit, ChunkOrderSum before, ChunkOrderSum after)
    {
        var lanes = LaneSums(piece.Length, 2, sums =>
            (_magnitudeLanes ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, long, ulong, ulong, ArrayView<double>>(
                RandomDropKernels.MagnitudeLanes))((int)(sums.Length / 2), piece, first, key, keepLimit, sums));
        before.Add(lanes, 2, 0);
        after.Add(lanes, 2, 1);
    }

    /// <summary>
    /// Σ a_j·b_j in float64 over the whole tensor: per grid chunk in <c>Reductions.Dot</c>'s lane
    /// order, the chunks added in grid order — what <c>GramMatrix.Of</c> gets from
    /// <c>MergeInputs.Sum</c>, bit for bit. Waits for the result.
    /// </summary>
    /// <param name="a">The whole tensor: the grid chunks start at its first element.</param>
    public double Dot(ArrayView<float> a, ArrayView<float> b)
    {
        var total = new ChunkOrderSum();
        AddDot(a, b, total);
        return total.Value;
    }

    /// <summary>Adds Σ a_j·b_j of one piece (starting on a grid chunk) to a running total, for tensors too large to hold.</summary>
    public void AddDot(ArrayView<float> a, ArrayView<float> b, ChunkOrderSum total)
    {
        var lanes = LaneSums(a.Length, 1, sums =>
            (_dotLanes ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<double>>(
                ReductionKernels.DotLanes))((int)sums.Length, a, b, sums));
        total.Add(lanes, 1, 0);
    }

    /// <summary>Runs a per-(chunk, lane) kernel into a device buffer of <paramref name="width"/> sums per thread and brings the sums back.</summary>
    private double[] LaneSums(long length, int width, Action<ArrayView<double>> launch)
    {
        long threads = ChunkGrid.ChunkCount(length) * LanePartials.Lanes;
        if (threads == 0) return [];
        using var sums = accelerator.Allocate1D<double>(threads * width);
        launch(sums.View);
        return sums.GetAsArray1D();
    }
}
