namespace ModelMerge.Methods;

/// <summary>
/// A method whose element step is one fixed linear combination of its inputs, with coefficients
/// worked out from their Gram matrix alone (multislerp, karcher). Another backend can sum the
/// Gram matrix its own way, in the same order, and combine with the same coefficients.
/// </summary>
public interface IGramCombination
{
    /// <summary>Whether the base, when the merge has one, is an input of the Gram matrix (after the models).</summary>
    bool GramIncludesBase { get; }

    /// <summary>
    /// The models' coefficients and the base's, from G_ij for i ≤ j in row order
    /// (<see cref="UpperTriangle"/>); throws the <see cref="MergeException"/> the
    /// method's own preparation would. An iterative method checks <paramref name="cancellation"/> every iteration.
    /// </summary>
    (double[] Models, double Base) Coefficients(int models, bool hasBase, ReadOnlySpan<double> upperTriangle, CancellationToken cancellation);

    /// <summary>The pairs (i, j), i ≤ j, in row order: the layout of the Gram sums <see cref="Coefficients"/> takes.</summary>
    static (int A, int B)[] UpperTriangle(int size)
    {
        var pairs = new List<(int, int)>();
        for (int i = 0; i < size; i++)
            for (int j = i; j < size; j++) pairs.Add((i, j));
        return [.. pairs];
    }
}
