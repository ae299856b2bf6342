namespace ModelMerge.Tests.Methods.Support;

/// <summary>
/// merge-semantics §4.2's magnitude_outliers and della_magprune written out in float64 from the
/// text, ranking with a full stable sort (LINQ's OrderBy keeps equal magnitudes in index order),
/// none of the library's selection or ranking code: the yardstick for both sparsifiers.
/// </summary>
internal static class SparsifierReference
{
    /// <summary>
    /// Which elements Breadcrumbs keeps: positions [bot, n − top) of the ascending order; with
    /// top = 0, mergekit's empty slice (<paramref name="mergekitQuirks"/>) or ModelMerge's [bot, n).
    /// </summary>
    public static bool[] BreadcrumbsKept(float[] tau, double density, double gamma, bool mergekitQuirks = false)
    {
        int n = tau.Length;
        long keep = (long)Math.Floor(density * n), top = (long)Math.Floor(gamma * n), bot = n - keep - top;
        if (bot < 0)
        {
            top += bot;
            bot = 0;
        }
        var order = Ascending(Enumerable.Range(0, n).Select(j => tau[j]).ToArray());
        var kept = new bool[n];
        long end = top == 0 && mergekitQuirks ? bot : n - top;
        for (long q = bot; q < end; q++) kept[order[q]] = true;
        return kept;
    }

    /// <summary>
    /// Della's keep probability of every element: rank along axis 1 (a 1-D tensor is one row),
    /// r̂ = (rank − 1)/(L − 1) or 0.5 for L = 1, p = (d − ε) + 2ε·r̂.
    /// </summary>
    public static double[] DellaProbabilities(float[] tau, long[] shape, double density, double epsilon)
    {
        long slabs = shape.Length >= 2 ? shape[0] : 1;
        long rowLength = shape.Length >= 2 ? shape[1] : tau.Length;
        long stride = shape.Skip(2).Aggregate(1L, (a, b) => a * b);
        var p = new double[tau.Length];
        for (long s = 0; s < slabs; s++)
            for (long i = 0; i < stride; i++)
            {
                var positions = Enumerable.Range(0, (int)rowLength).Select(b => s * rowLength * stride + b * stride + i).ToArray();
                var order = Ascending(positions.Select(j => tau[j]).ToArray());
                for (int rank = 1; rank <= rowLength; rank++)
                {
                    double normalized = rowLength == 1 ? 0.5 : Math.Clamp((rank - 1.0) / (rowLength - 1), 0, 1);
                    p[positions[order[rank - 1]]] = density - epsilon + normalized * 2 * epsilon;
                }
            }
        return p;
    }

    /// <summary>τ·mask, then mergekit's L1 rule: ·(Σ|τ| / Σ|τ·mask|) unless either is below 1e-7.</summary>
    public static double[] L1Rescaled(float[] tau, bool[] kept)
    {
        double before = tau.Sum(v => Math.Abs((double)v));
        double after = tau.Where((_, j) => kept[j]).Sum(v => Math.Abs((double)v));
        double factor = before < 1e-7 || after < 1e-7 ? 1 : before / after;
        return tau.Select((v, j) => kept[j] ? v * factor : 0.0).ToArray();
    }

    /// <summary>Indices by |x| ascending; OrderBy is stable, so equal magnitudes stay in index order.</summary>
    private static int[] Ascending(float[] values) =>
        Enumerable.Range(0, values.Length).OrderBy(j => Math.Abs((double)values[j])).ToArray();
}
