using ILGPU;
using ILGPU.Runtime;
using ModelMerge.Compute.Cpu;

namespace ModelMerge.Compute.Gpu;

/// <summary>
/// TIES on the device: the magnitude trim, its rescale and the sign-consensus combine, each
/// giving the CPU backend's bits for the same float32 inputs. The views are flat tensors, whole;
/// their grid chunks (<see cref="ChunkGrid"/>) are those of the CPU, so float64 sums split alike.
/// </summary>
public sealed partial class GpuKernels
{
    private DeviceTopK? _topK;
    private Action<Index1D, ArrayView<float>, uint, long, ArrayView<float>>? _applyCut;
    private Action<Index1D, ArrayView<float>, ArrayView<double>>? _sumOfMagnitudes;
    private Action<Index1D, ArrayView<float>, float>? _scale;
    private Action<Index1D, ArrayView<float>, ArrayView<double>, int, int, double, ArrayView<float>, ArrayView<float>>? _signConsensus;

    /// <summary>
    /// The cut keeping the <paramref name="k"/> largest |x| of <paramref name="values"/>, lower
    /// index first among equals: the cut of <c>MagnitudeSelection.FindTopK</c> (same threshold,
    /// same ties kept), whichever of its paths the CPU takes. 1 ≤ k ≤ length; k comes from
    /// <c>MagnitudeTrim.KeepCount</c>.
    /// </summary>
    public DeviceMagnitudeCut FindTopKByMagnitude(ArrayView<float> values, long k) =>
        (_topK ??= new DeviceTopK(accelerator)).Find(values, k);

    /// <summary>
    /// The cut of <see cref="FindTopKByMagnitude"/> for a tensor too large to hold on the device:
    /// <paramref name="readPiece"/>(start, destination) writes elements [start, start + destination.Length)
    /// of it, pieces of <paramref name="pieceElements"/>, and is called for each piece once per pass
    /// (two or three). Null when it refused a piece.
    /// </summary>
    public DeviceMagnitudeCut? FindTopKByMagnitudeInPieces(long length, long k, int pieceElements, Func<long, ArrayView<float>, bool> readPiece) =>
        (_topK ??= new DeviceTopK(accelerator)).FindInPieces(length, k, pieceElements, readPiece);

    /// <summary>
    /// Writes <paramref name="values"/> with what <paramref name="cut"/> drops zeroed (+0) into
    /// <paramref name="trimmed"/> (may be the same view): <c>MagnitudeCut.Apply</c> over every chunk.
    /// The values are elements [<paramref name="start"/>, start + length) of the tensor the cut was found for.
    /// </summary>
    public void ApplyMagnitudeCut(ArrayView<float> values, DeviceMagnitudeCut cut, ArrayView<float> trimmed, long start = 0)
    {
        // The last kept tie as an index into this piece: before it (−1 − start < 0) keeps none of its ties, MaxValue all.
        long lastKept = cut.LastKeptTie == long.MaxValue ? long.MaxValue : cut.LastKeptTie - start;
        (_applyCut ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, uint, long, ArrayView<float>>(MagnitudeKernels.ApplyCut))
            ((int)values.Length, values, cut.ThresholdBits, lastKept, trimmed);
    }

    /// <summary>
    /// mergekit's L1 rescale factor Σ|τ| / Σ|τ·mask|, 1 when either sum is below 1e-7: the bits of
    /// <c>SurvivorRescale.L1Factor</c>, whose float64 sums run per grid chunk in the order of
    /// <c>Reductions.SumOfMagnitudes</c> and then in chunk order; this reproduces both orders.
    /// </summary>
    public float L1RescaleFactor(ArrayView<float> original, ArrayView<float> trimmed) =>
        Reductions.L1RescaleRatio(SumOfMagnitudes(original), SumOfMagnitudes(trimmed));

    /// <summary>
    /// Multiplies every element by <paramref name="factor"/> in place, as <c>MagnitudeTrim.Apply</c>
    /// does after the cut; like it, a factor of 1 is skipped (x·1 would still quiet a signalling NaN).
    /// The factor of <c>Rescale.Inverse</c> is the host's (float)(1.0 / density), that of L1 from <see cref="L1RescaleFactor"/>.
    /// </summary>
    public void Scale(ArrayView<float> values, float factor)
    {
        if (factor == 1f) return;
        (_scale ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, float>(RescaleKernels.Scale))
            ((int)values.Length, values, factor);
    }

    /// <summary>
    /// TIES's sign election and disjoint mean: the bits of <c>SignConsensus.Combine</c> for the same
    /// inputs. <paramref name="deltas"/> holds the trimmed task vectors back to back (vector i at
    /// [i·n, (i+1)·n), n = output length), one weight each in <paramref name="weights"/>;
    /// <paramref name="countSigns"/> selects <c>SignRule.Count</c> over <c>SignRule.Sum</c>;
    /// <paramref name="baseValues"/> is the base added to the merged delta, or an empty view for the delta alone.
    /// </summary>
    public void SignConsensus(ArrayView<float> deltas, ArrayView<double> weights, bool countSigns, bool normalize, double lambda,
        ArrayView<float> baseValues, ArrayView<float> output)
    {
        if (deltas.Length < weights.Length * output.Length) throw new ArgumentException("the deltas must hold one vector per weight.", nameof(deltas));
        if (baseValues.Length != 0 && baseValues.Length < output.Length) throw new ArgumentException("the base is shorter than the output.", nameof(baseValues));
        (_signConsensus ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<double>, int, int, double, ArrayView<float>, ArrayView<float>>(
            SignConsensusKernels.Combine))
            ((int)output.Length, deltas, weights, countSigns ? 1 : 0, normalize ? 1 : 0, lambda, baseValues, output);
    }

    private double SumOfMagnitudes(ArrayView<float> values)
    {
        var total = new ChunkOrderSum();
        AddSumOfMagnitudes(values, total);
        return total.Value;
    }

    /// <summary>Adds Σ|x| of one piece (starting on a grid chunk) to a running total, for a tensor too large to hold.</summary>
    public void AddSumOfMagnitudes(ArrayView<float> piece, ChunkOrderSum total)
    {
        var lanes = LaneSums(piece.Length, 1, sums =>
            (_sumOfMagnitudes ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<double>>(RescaleKernels.SumOfMagnitudesPerLane))
                ((int)sums.Length, piece, sums));
        total.Add(lanes, 1, 0);
    }
}
