using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using ModelMerge.Compute;
using ModelMerge.Compute.Cpu;
using ModelMerge.Methods.Framework;

namespace ModelMerge.Methods;

/// <summary>
/// Model Stock (merge-semantics §5.1): the mean of N ≥ 2 fine-tunes pulled towards the base by
/// how much their offsets agree. c is the mean pairwise cosine of the offsets o_i = θ_i − θ_b,
/// t = N·c / (1 + (N − 1)·c), and out = t·mean(θ_i) + (1 − t)·θ_b = θ_b + t·mean(o_i). With
/// filter_wise every row along the last axis gets its own c and t. The norms and dot products
/// are float64 reductions; t and the blend are float64, rounded once.
/// </summary>
public sealed class ModelStock(bool filterWise) : ITensorMerge
{
    public const string RatioNotFinite = "ModelStockRatioNotFinite";
    public const string TooFewModels = "ModelStockTooFewModels";

    /// <summary>mergekit's floor on ‖o_i‖·‖o_j‖: zero offsets give a cosine of 0, so t = 0 and the base.</summary>
    private const double MinimumNormProduct = 1e-6;

    public static MergeMethod Method { get; } = new("model_stock", "Model Stock", "https://arxiv.org/abs/2403.19522",
        BaseModelUse.Required, ModelValues.TaskVectors, MinModels: 2, MaxModels: null,
        [MethodParameter.Global("filter_wise", 0, "One interpolation ratio per row (last axis) instead of one per tensor.", ParameterKind.Boolean)],
        parameters => new ModelStock(parameters.Flag("filter_wise")));

    /// <summary>One ratio per row (last axis) instead of one per tensor.</summary>
    public bool FilterWise => filterWise;

    /// <summary>The Gram sums <see cref="Prepare"/> takes for <paramref name="models"/> offsets: ‖o_i‖² for each, then o_i·o_j for each pair i &lt; j in order.</summary>
    public static (int A, int B)[] GramPairs(int models)
    {
        var pairs = new List<(int, int)>();
        for (int i = 0; i < models; i++) pairs.Add((i, i));
        for (int i = 0; i < models; i++)
            for (int j = i + 1; j < models; j++) pairs.Add((i, j));
        return [.. pairs];
    }

    public IChunkMerge Prepare(MergeInputs inputs, ChunkRunner runner)
    {
        int n = inputs.ModelCount;
        if (n == 0) return InputCopy.Base;
        if (n < 2)
            throw new MergeException(TooFewModels, "model_stock needs the base plus at least two models.", inputs.TensorName);
        int width = n + n * (n - 1) / 2;
        double[] sums = filterWise
            ? inputs.SumPerRow(runner, width, (in InputChunk c, long _, int offset, int length, Span<double> s) => Gram(c, offset, length, s))
            : inputs.Sum(runner, width, (in InputChunk c, Span<double> s) => Gram(c, 0, c.Count, s));
        var ratios = new double[sums.Length / width];
        for (int r = 0; r < ratios.Length; r++)
        {
            ratios[r] = Ratio(sums.AsSpan(r * width, width), n);
            if (!double.IsFinite(ratios[r]))
                throw new MergeException(RatioNotFinite,
                    $"the offsets' mean cosine makes the interpolation ratio t {ratios[r]}{(filterWise ? $" in row {r}" : "")}: they point in opposite directions.",
                    inputs.TensorName);
        }
        return new Blend(ratios, filterWise ? inputs.RowLength : Math.Max(1, inputs.Length), n);
    }

    /// <summary>‖o_i‖² for every model, then o_i·o_j for every pair i &lt; j in order, over one segment.</summary>
    private static void Gram(in InputChunk chunk, int offset, int length, Span<double> sums)
    {
        int n = chunk.ModelCount, pair = n;
        for (int i = 0; i < n; i++) sums[i] += Reductions.SumOfSquares(chunk.Model(i).Slice(offset, length));
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
                sums[pair++] += Reductions.Dot(chunk.Model(i).Slice(offset, length), chunk.Model(j).Slice(offset, length));
    }

    /// <summary>§5.1 steps 5–6 from one vector's Gram sums (laid out as <see cref="GramPairs"/>).</summary>
    public static double Ratio(ReadOnlySpan<double> gram, int n)
    {
        double cosines = 0;
        int pair = n;
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
            {
                double normProduct = Math.Sqrt(gram[i]) * Math.Sqrt(gram[j]);
                cosines += Math.Min(Math.Max(gram[pair++] / Math.Max(normProduct, MinimumNormProduct), -1), 1);
            }
        double c = cosines / (n * (n - 1) / 2);
        return n * c / (1 + (n - 1) * c);
    }

    /// <summary>θ_b + (t/N)·Σ o_i, with t per row or one for the tensor.</summary>
    public sealed class Blend : IChunkMerge, IMergeRemarks
    {
        private readonly double[] _ratios;
        private readonly long _rowLength;
        private readonly int _models;

        internal Blend(double[] ratios, long rowLength, int models)
        {
            _ratios = ratios;
            _rowLength = rowLength;
            _models = models;
        }

        /// <summary>
        /// The interpolation ratio t: one per row with filter_wise, else one. mergekit accepts a t
        /// outside [0, 1] (extrapolation) silently; ModelMerge keeps it and the caller warns (§11
        /// decision 4).
        /// </summary>
        public IReadOnlyList<double> Ratios => _ratios;

        public IEnumerable<string> Remarks => RemarksOn(_ratios);

        /// <summary>The warning a ratio outside [0, 1] deserves (none when every ratio lies inside).</summary>
        public static IEnumerable<string> RemarksOn(IReadOnlyList<double> ratios)
        {
            var outside = ratios.Where(t => t < 0 || t > 1).ToList();
            if (outside.Count == 0) yield break;
            string where = ratios.Count == 1 ? "" : $" in {outside.Count} of {ratios.Count} rows";
            yield return $"model_stock's ratio t is outside [0, 1]{where} (from {outside.Min():G6} to {outside.Max():G6}): "
                + "the result extrapolates beyond the models instead of interpolating, because their task vectors point apart.";
        }

        public void Merge(in InputChunk inputs, Span<float> output)
        {
            foreach (var (row, from, to) in new RowSegments(inputs.Start, inputs.Count, _rowLength))
                MeanOffset(inputs, _ratios[row] / _models, from, to, output);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void MeanOffset(in InputChunk inputs, double scale, int from, int to, Span<float> output)
        {
            int count = inputs.Count, models = inputs.ModelCount;
            ref float o = ref MemoryMarshal.GetReference(inputs.Models);
            ref float b = ref MemoryMarshal.GetReference(inputs.Base);
            ref float result = ref MemoryMarshal.GetReference(output);
            bool hasBase = inputs.HasBase;
            int j = from;
            if (Vector256.IsHardwareAccelerated)
                for (; j <= to - Vector256<float>.Count; j += Vector256<float>.Count)
                {
                    var lower = Vector256<double>.Zero;
                    var upper = Vector256<double>.Zero;
                    for (int i = 0; i < models; i++)
                    {
                        var (l, u) = Vector256.Widen(Vector256.LoadUnsafe(ref o, (nuint)(i * count + j)));
                        lower += l;
                        upper += u;
                    }
                    ChunkCombine.Store(lower * scale, upper * scale, hasBase, ref b, ref result, j);
                }
            for (; j < to; j++)
            {
                double sum = 0;
                for (int i = 0; i < models; i++) sum += Unsafe.Add(ref o, i * count + j);
                ChunkCombine.Store(sum * scale, hasBase, ref b, ref result, j);
            }
        }
    }
}
