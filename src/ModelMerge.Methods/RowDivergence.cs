using System.Numerics.Tensors;
using ModelMerge.Compute;
using ModelMerge.Methods.Framework;

namespace ModelMerge.Methods;

/// <summary>
/// Per row (last axis), the Kullback–Leibler divergence KL(p ‖ q) of the rows' softmax
/// distributions, p = softmax(model row) + 1e-8 and q = softmax(base row) + 1e-8, as arcee_fusion
/// weighs its differences (merge-semantics §5.5 step 1). Three float64 passes: the row maxima,
/// subtracted before exp so no weight overflows it; the partition sums; the divergence sums.
/// Sums go through <see cref="MergeInputs.SumPerRow"/>, so rows that straddle grid chunks add up
/// the same on any thread count.
/// </summary>
internal static class RowDivergence
{
    /// <summary>mergekit adds it to both distributions so that ln(p/q) stays finite.</summary>
    private const double Smoothing = 1e-8;

    /// <summary>KL per row; the inputs are the base (q) and one model (p).</summary>
    public static double[] Compute(MergeInputs inputs, ChunkRunner runner)
    {
        var (baseMax, modelMax) = RowMaxima(inputs, runner);
        var partition = inputs.SumPerRow(runner, 2, (in InputChunk c, long row, int offset, int length, Span<double> sums) =>
        {
            var a = c.Base.Slice(offset, length);
            var b = c.Model(0).Slice(offset, length);
            double za = 0, zb = 0;
            for (int j = 0; j < length; j++)
            {
                za += Math.Exp(a[j] - baseMax[row]);
                zb += Math.Exp(b[j] - modelMax[row]);
            }
            sums[0] += za;
            sums[1] += zb;
        });
        return inputs.SumPerRow(runner, 1, (in InputChunk c, long row, int offset, int length, Span<double> sums) =>
        {
            var a = c.Base.Slice(offset, length);
            var b = c.Model(0).Slice(offset, length);
            double za = partition[2 * row], zb = partition[2 * row + 1], kl = 0;
            for (int j = 0; j < length; j++)
            {
                double q = Math.Exp(a[j] - baseMax[row]) / za + Smoothing;
                double p = Math.Exp(b[j] - modelMax[row]) / zb + Smoothing;
                kl += p * Math.Log(p / q);
            }
            sums[0] += kl;
        });
    }

    /// <summary>Each row's largest base and model value: per grid chunk, then combined (max is exact, so any order gives the same).</summary>
    private static (double[] Base, double[] Model) RowMaxima(MergeInputs inputs, ChunkRunner runner)
    {
        long rowLength = inputs.RowLength;
        var baseMax = new double[inputs.RowCount];
        var modelMax = new double[inputs.RowCount];
        Array.Fill(baseMax, double.NegativeInfinity);
        Array.Fill(modelMax, double.NegativeInfinity);
        var partials = new float[ChunkGrid.ChunkCount(inputs.Length)][];
        inputs.ForEachChunk(runner, (in InputChunk c) =>
        {
            long firstRow = c.Start / rowLength;
            var local = new float[2 * ((c.Start + c.Count - 1) / rowLength - firstRow + 1)];
            foreach (var (row, from, to) in new RowSegments(c.Start, c.Count, rowLength))
            {
                local[2 * (row - firstRow)] = TensorPrimitives.Max(c.Base[from..to]);
                local[2 * (row - firstRow) + 1] = TensorPrimitives.Max(c.Model(0)[from..to]);
            }
            partials[c.Start / ChunkGrid.ChunkElements] = local;
        });
        for (long chunk = 0; chunk < partials.Length; chunk++)
        {
            long firstRow = chunk * ChunkGrid.ChunkElements / rowLength;
            var local = partials[chunk];
            for (int r = 0; r < local.Length / 2; r++)
            {
                baseMax[firstRow + r] = Math.Max(baseMax[firstRow + r], local[2 * r]);
                modelMax[firstRow + r] = Math.Max(modelMax[firstRow + r], local[2 * r + 1]);
            }
        }
        return (baseMax, modelMax);
    }
}
