using ModelMerge.Methods;

namespace ModelMerge.Tests.Methods.Support;

/// <summary>
/// merge-semantics §3.1 and §4.1–4.2 written out in float64, element by element, with none of
/// the library's kernels: the yardstick the library's float32 results are held to.
/// </summary>
internal static class MergeReference
{
    /// <summary>
    /// τ = θ − θ_b as the library defines it: a float32 difference (§1.1), rounded once here too,
    /// so trimming ranks exactly the values the library ranks.
    /// </summary>
    public static float[] TaskVector(float[] fineTuned, float[] baseValues) =>
        fineTuned.Select((x, j) => (float)((double)x - baseValues[j])).ToArray();

    /// <summary>
    /// §4.2 magnitude: keep the k = floor(d·n) largest |τ|, lower index first among equals,
    /// found by a full stable sort rather than a selection.
    /// </summary>
    public static double[] Trim(float[] tau, double density)
    {
        var kept = new double[tau.Length];
        if (density >= 1)
        {
            for (int j = 0; j < tau.Length; j++) kept[j] = tau[j];
            return kept;
        }
        long k = (long)Math.Floor(density * tau.Length);
        foreach (int j in SortedByMagnitude(tau).Take((int)k)) kept[j] = tau[j];
        return kept;
    }

    /// <summary>Indices ordered by |x| descending, then by index ascending.</summary>
    public static int[] SortedByMagnitude(float[] values)
    {
        // One sort key per element: the complement of |x|'s bits (non-negative floats order like
        // their bits) above the index, so ascending keys are |x| descending, then index ascending.
        var keys = new ulong[values.Length];
        for (int j = 0; j < values.Length; j++)
        {
            uint magnitude = BitConverter.SingleToUInt32Bits(values[j]) & 0x7FFF_FFFF;
            keys[j] = ((ulong)(0x7FFF_FFFF - magnitude) << 32) | (uint)j;
        }
        Array.Sort(keys);
        return keys.Select(key => (int)(uint)key).ToArray();
    }

    /// <summary>§3.1 linear and §4.1 without consensus: (Σ w_i·x_ij / divisor)·scale.</summary>
    public static double[] WeightedSum(IReadOnlyList<double[]> inputs, IReadOnlyList<double> weights, double divisor, double scale)
    {
        var result = new double[inputs[0].Length];
        for (int j = 0; j < result.Length; j++)
        {
            double sum = 0;
            for (int i = 0; i < inputs.Count; i++) sum += weights[i] * inputs[i][j];
            result[j] = sum / divisor * scale;
        }
        return result;
    }

    /// <summary>§4.1 step 5 with consensus, then steps 6 and 7.</summary>
    /// <returns>
    /// Δ per element, and where the sum-rule vote lies within float32 rounding of zero (so a
    /// float32 implementation may elect either sign) the Δ the other sign gives; NaN elsewhere.
    /// </returns>
    public static (double[] Delta, double[] Alternative) Consensus(IReadOnlyList<double[]> tau, IReadOnlyList<double> weights,
        SignRule rule, bool normalize, double lambda)
    {
        int n = tau[0].Length;
        var delta = new double[n];
        var alternative = new double[n];
        for (int j = 0; j < n; j++)
        {
            double vote = 0, scaleOfTerms = 0;
            for (int i = 0; i < tau.Count; i++)
            {
                double u = weights[i] * tau[i][j];
                vote += rule == SignRule.Sum ? u : Math.Sign(u);
                scaleOfTerms += Math.Abs(u);
            }
            int elected = vote >= 0 ? 1 : -1;
            delta[j] = Agreeing(tau, weights, j, elected, normalize) * lambda;
            bool ambiguous = rule == SignRule.Sum && vote != 0 && Math.Abs(vote) <= 1e-6 * scaleOfTerms;
            alternative[j] = ambiguous ? Agreeing(tau, weights, j, -elected, normalize) * lambda : double.NaN;
        }
        return (delta, alternative);
    }

    private static double Agreeing(IReadOnlyList<double[]> tau, IReadOnlyList<double> weights, int j, int elected, bool normalize)
    {
        double sum = 0, divisor = 0;
        for (int i = 0; i < tau.Count; i++)
        {
            double u = weights[i] * tau[i][j];
            // sign(0) = 0 never equals the elected ±1, so a zero never agrees.
            if (Math.Sign(u) != elected) continue;
            sum += u;
            divisor += weights[i];
        }
        return normalize ? sum / (divisor == 0 ? 1 : divisor) : sum;
    }

    /// <summary>
    /// |offset_j| + |factor|·Σ_i |w_i·x_ij|: how large the terms summed into element j are, the
    /// scale that float32 rounding errors in that sum are proportional to.
    /// </summary>
    public static double[] TermScale(float[]? offset, IReadOnlyList<double[]> inputs, IReadOnlyList<double> weights, double factor)
    {
        var scale = new double[inputs[0].Length];
        for (int j = 0; j < scale.Length; j++)
        {
            double sum = 0;
            for (int i = 0; i < inputs.Count; i++) sum += Math.Abs(weights[i] * inputs[i][j]);
            scale[j] = (offset is null ? 0 : Math.Abs(offset[j])) + Math.Abs(factor) * sum;
        }
        return scale;
    }

    public static double[] Widen(float[] values) => values.Select(v => (double)v).ToArray();

    public static double[] Add(float[] baseValues, double[] delta) => delta.Select((d, j) => baseValues[j] + d).ToArray();
}
