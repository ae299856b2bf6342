using ModelMerge.Compute;
using ModelMerge.Compute.Cpu;
using ModelMerge.Methods.Framework;

namespace ModelMerge.Methods;

/// <summary>
/// The inner products G_ij = x_i·x_j of a merge's inputs over the whole tensor, in float64 from
/// one reduction pass. It is all the spherical methods (merge-semantics §3.2–3.5) need to know
/// about their inputs: norms, angles, and the norm of any linear combination Σ c_i x_i follow
/// from it, so their iterations run on N×N numbers instead of on tensors.
/// </summary>
internal sealed class GramMatrix
{
    private readonly double[] _values;

    private GramMatrix(int size, double[] values)
    {
        Size = size;
        _values = values;
    }

    /// <summary>Number of inputs: the models, then the base when it was included.</summary>
    public int Size { get; }

    public double this[int i, int j] => _values[i * Size + j];

    /// <summary>‖x_i‖.</summary>
    public double Norm(int i) => Math.Sqrt(this[i, i]);

    /// <summary>(Σ_i a_i x_i)·(Σ_j b_j x_j) = aᵀGb.</summary>
    public double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (a.Length != Size || b.Length != Size) throw new ArgumentException($"need {Size} coefficients.");
        double sum = 0;
        for (int i = 0; i < Size; i++)
        {
            double row = 0;
            for (int j = 0; j < Size; j++) row += this[i, j] * b[j];
            sum += a[i] * row;
        }
        return sum;
    }

    /// <summary>‖Σ_i c_i x_i‖, never NaN from a rounding-negative square.</summary>
    public double NormOf(ReadOnlySpan<double> coefficients) => Math.Sqrt(Math.Max(0, Dot(coefficients, coefficients)));

    /// <summary>
    /// The Gram matrix of the directions u_k = x_k/‖x_k‖ of the chosen inputs (their cosines), so
    /// an iteration on the unit sphere can run in coefficients over those directions. One square
    /// root of a product per entry, so a direction's cosine with itself (or with an exact copy) is
    /// exactly 1.
    /// </summary>
    public GramMatrix Directions(IReadOnlyList<int> inputs)
    {
        int size = inputs.Count;
        var values = new double[size * size];
        for (int i = 0; i < size; i++)
            for (int j = 0; j < size; j++)
                values[i * size + j] = this[inputs[i], inputs[j]] / Math.Sqrt(this[inputs[i], inputs[i]] * this[inputs[j], inputs[j]]);
        return new GramMatrix(size, values);
    }

    /// <summary>
    /// One pass over the tensor: each chunk's dot products by <see cref="Reductions.Dot"/>, the
    /// chunks added in grid order, so the bits do not depend on thread count.
    /// </summary>
    /// <param name="includeBase">Count the base as one more input after the models (slerp, karcher).</param>
    public static GramMatrix Of(MergeInputs inputs, ChunkRunner runner, bool includeBase) =>
        FromUpperTriangle(InputCount(inputs, includeBase), UpperTriangleSums(inputs, runner, includeBase));

    /// <summary>The inputs the Gram matrix of <paramref name="inputs"/> covers: the models, and the base when included.</summary>
    public static int InputCount(MergeInputs inputs, bool includeBase) => inputs.ModelCount + (includeBase && inputs.HasBase ? 1 : 0);

    /// <summary>G_ij for every i ≤ j in row order: the sums <see cref="Of"/> takes, one reduction pass.</summary>
    public static double[] UpperTriangleSums(MergeInputs inputs, ChunkRunner runner, bool includeBase)
    {
        int size = InputCount(inputs, includeBase);
        return inputs.Sum(runner, size * (size + 1) / 2, (in InputChunk chunk, Span<double> sums) =>
        {
            int k = 0;
            for (int i = 0; i < size; i++)
                for (int j = i; j < size; j++) sums[k++] = Reductions.Dot(Input(chunk, i), Input(chunk, j));
        });
    }

    /// <summary>The matrix of <paramref name="size"/> inputs from its upper triangle (<see cref="UpperTriangleSums"/>'s order).</summary>
    public static GramMatrix FromUpperTriangle(int size, ReadOnlySpan<double> sums)
    {
        if (sums.Length != size * (size + 1) / 2) throw new ArgumentException($"{size} inputs have {size * (size + 1) / 2} inner products, not {sums.Length}.", nameof(sums));
        var values = new double[size * size];
        int index = 0;
        for (int i = 0; i < size; i++)
            for (int j = i; j < size; j++) values[i * size + j] = values[j * size + i] = sums[index++];
        return new GramMatrix(size, values);
    }

    private static ReadOnlySpan<float> Input(in InputChunk chunk, int i) => i < chunk.ModelCount ? chunk.Model(i) : chunk.Base;
}
