using ModelMerge.Methods;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>merge-semantics §5.5: arcee_fusion keeps the other model's values whose importance reaches the quartile threshold.</summary>
public sealed class ArceeFusionTests
{
    private static readonly float[]? NoBase = null;

    [Fact]
    public void Reproduces_example_AF1()
    {
        // Importances [[0.908428, 0.045421, 0, 0], [9.68e-5, 0, 0, 0], [0, 1.19e-5, 0, 0]]: threshold 1.79e-5.
        float[] b = [2f, 0.1f, 0f, 0f, 0.1f, 0f, 0f, 0f, 0f, 0.05f, 0f, 0f];

        var output = TensorMergeRunner.Run(new ArceeFusion(), [3, 4], new float[12], b);

        WorkedExample.AssertClose([2, 0.1, 0, 0, 0.1, 0, 0, 0, 0, 0, 0, 0], output);
    }

    [Fact]
    public void Rows_shifted_by_a_constant_have_no_divergence_so_everything_comes_from_the_model()
    {
        // softmax ignores a shift: KL = 0, every importance 0, threshold 0, and 0 ≥ 0.
        float[] a = [0f, 1f, 2f, 3f, -1f, 0f, 1f, 2f];
        var b = a.Select(x => x + 4f).ToArray();

        Assert.Equal(b, TensorMergeRunner.Run(new ArceeFusion(), [2, 4], a, b));
    }

    [Fact]
    public void With_only_one_of_the_two_present_that_one_is_the_result()
    {
        float[] values = [1f, -2f, 3f];

        Assert.Equal(values, TensorMergeRunner.Run(new ArceeFusion(), [3], values));
        Assert.Equal(values, TensorMergeRunner.Run(new ArceeFusion(), [3], NoBase, values));
    }

    [Fact]
    public void Matrix_with_rows_straddling_chunks_matches_exact_order_statistics_on_any_thread_count()
    {
        int length = MethodChecks.Length(MethodChecks.RowMatrix);
        var (a, b) = Pair(60, length, (int)MethodChecks.RowMatrix[1]);

        var output = MethodChecks.SameBitsOnOneAndTwoThreads(new ArceeFusion(), MethodChecks.RowMatrix, a, b);

        Assert.Equal(Reference(a, b, (int)MethodChecks.RowMatrix[1]), output);
    }

    [Fact]
    public void One_long_row_matches_exact_order_statistics_on_any_thread_count()
    {
        var (a, b) = Pair(70, MethodChecks.LargeLength, MethodChecks.LargeLength);

        var output = MethodChecks.SameBitsOnOneAndTwoThreads(new ArceeFusion(), MethodChecks.Flat(a.Length), a, b);

        Assert.Equal(Reference(a, b, a.Length), output);
    }

    /// <summary>A base and a fine-tune whose rows drift by different amounts, so the rows' divergences differ.</summary>
    private static (float[] A, float[] B) Pair(int seed, int length, int rowLength)
    {
        var a = MethodChecks.Normal(seed, length, 1.0);
        var delta = MethodChecks.Normal(seed + 1, length, 0.05);
        var b = a.Select((x, j) => x + delta[j] * (1 + j / rowLength % 7)).ToArray();
        return (a, b);
    }

    /// <summary>§5.5 in float64 with plain loops and a full sort for the quartiles; importances rounded to float32 as the library ranks them.</summary>
    private static float[] Reference(float[] a, float[] b, int rowLength)
    {
        int n = a.Length;
        var importance = new float[n];
        for (int start = 0; start < n; start += rowLength)
        {
            var p = Softmax(b, start, rowLength);
            var q = Softmax(a, start, rowLength);
            double kl = 0;
            for (int j = 0; j < rowLength; j++) kl += (p[j] + 1e-8) * Math.Log((p[j] + 1e-8) / (q[j] + 1e-8));
            for (int j = 0; j < rowLength; j++) importance[start + j] = (float)(Math.Abs((double)b[start + j] - a[start + j]) * kl);
        }
        var sorted = (float[])importance.Clone();
        Array.Sort(sorted);
        double Quartile(double q) => sorted[(int)Math.Floor(q * (n - 1))];
        double threshold = Quartile(0.5) + 1.5 * (Quartile(0.75) - Quartile(0.25));
        return a.Select((x, j) => importance[j] >= threshold ? b[j] : x).ToArray();
    }

    private static double[] Softmax(float[] values, int start, int length)
    {
        double max = values.Skip(start).Take(length).Max();
        var e = Enumerable.Range(start, length).Select(j => Math.Exp(values[j] - max)).ToArray();
        double sum = e.Sum();
        return e.Select(x => x / sum).ToArray();
    }
}
