using ModelMerge.Methods;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>merge-semantics §5.2: sce's variance top-k, mean-square weights and sign erase.</summary>
public sealed class SceTests
{
    private static readonly float[] TauA = [0.5f, -0.25f, 0.25f, 0f, 0.375f];
    private static readonly float[] TauB = [0.25f, 0.375f, 0.25f, -0.125f, -0.125f];
    private static readonly float[] TauC = [-0.125f, 0.125f, 0.25f, 0.25f, 0.25f];
    private static readonly float[] ZeroBase = new float[5];

    [Fact]
    public void Without_selection_reproduces_example_SCE1()
    {
        var output = TensorMergeRunner.Run(new Sce(1.0), [5], ZeroBase, TauA, TauB, TauC);

        WorkedExample.AssertClose([0.408654, 0.268939, 0.25, 0.25, 0.337766], output);
    }

    [Fact]
    public void Top_sixty_percent_by_variance_reproduces_example_SCE1()
    {
        // v = [0.065972, 0.065972, 0, 0.024306, 0.045139]: nz = 4, k = 2, mask = [1, 1, 0, 0, 0].
        var output = TensorMergeRunner.Run(new Sce(0.6), [5], ZeroBase, TauA, TauB, TauC);

        WorkedExample.AssertClose([0.401515, 0.341667, 0, 0, 0], output);
    }

    [Fact]
    public void Top_sixty_percent_on_a_non_zero_base_reproduces_example_SCE1()
    {
        var output = TensorMergeRunner.Run(new Sce(0.6), [5], [1f, 2f, 3f, 4f, 5f], TauA, TauB, TauC);

        WorkedExample.AssertClose([1.401515, 2.341667, 3, 4, 5], output);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.5)]
    [InlineData(0.1)]
    public void A_selection_that_keeps_nothing_gives_the_base(double selectTopK)
    {
        // select_topk ≤ 0 masks everything; 0.1 keeps floor(4·0.1) = 0 of the four non-zero variances.
        float[] theta = [1f, 2f, 3f, 4f, 5f];

        var output = TensorMergeRunner.Run(new Sce(selectTopK), [5], theta, TauA, TauB, TauC);

        Assert.Equal(theta, output);
    }

    [Fact]
    public void No_models_give_the_base()
    {
        float[] theta = [1f, 2f, 3f];

        Assert.Equal(theta, TensorMergeRunner.Run(new Sce(0.5), [3], theta));
    }

    [Fact]
    public void One_model_without_selection_adds_its_task_vector()
    {
        // s = 1; every non-zero τ agrees with its own sign.
        var output = TensorMergeRunner.Run(new Sce(1.0), [5], [1f, 1f, 1f, 1f, 1f], TauB);

        WorkedExample.AssertClose([1.25, 1.375, 1.25, 0.875, 0.875], output);
    }

    [Fact]
    public void One_model_with_selection_has_no_variance_and_gives_the_base()
    {
        float[] theta = [1f, 1f, 1f, 1f, 1f];

        Assert.Equal(theta, TensorMergeRunner.Run(new Sce(0.5), [5], theta, TauB));
    }

    [Fact]
    public void Equal_variances_are_kept_by_lower_index()
    {
        // Every variance is 1: k = floor(4·0.5) = 2 keeps elements 0 and 1 (§11 deviation 3).
        var output = TensorMergeRunner.Run(new Sce(0.5), [4], new float[4], [1f, 1f, 1f, 1f], [-1f, -1f, -1f, -1f]);

        WorkedExample.AssertClose([1, 1, 0, 0], output);
    }

    [Fact]
    public void Tiny_task_vectors_fall_back_to_equal_weights_under_the_absolute_threshold()
    {
        // Mean squares 1e-8 and 5e-8 sum below 1e-6, so s = (0.5, 0.5), not (1/6, 5/6) (§11 decision 5).
        var output = TensorMergeRunner.Run(new Sce(1.0), [2], new float[2], [1e-4f, 1e-4f], [3e-4f, 1e-4f]);

        Assert.Equal(2e-4, output[0], 9);
        Assert.Equal(1e-4, output[1], 9);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.3)]
    public void Large_random_merge_is_within_one_ulp_of_the_float64_reference_on_any_thread_count(double selectTopK)
    {
        var theta = MethodChecks.Normal(20, MethodChecks.LargeLength, 0.02);
        var taus = Enumerable.Range(0, 3).Select(i => MethodChecks.Normal(21 + i, MethodChecks.LargeLength, 0.01 * (i + 1))).ToArray();

        var output = MethodChecks.SameBitsOnOneAndTwoThreads(new Sce(selectTopK), MethodChecks.Flat(theta.Length), theta, taus);

        MethodChecks.WithinOneUlp(Reference(theta, taus, selectTopK), output);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.05)]
    public void Selection_among_many_equal_variances_across_chunks_matches_a_stable_sort(double selectTopK)
    {
        // Five levels per task vector: a handful of distinct variances, thousands of equal ones at any cut.
        var theta = MethodChecks.Normal(30, MethodChecks.LargeLength, 0.02);
        var taus = Enumerable.Range(0, 3).Select(i =>
        {
            var random = new Random(31 + i);
            return Enumerable.Range(0, MethodChecks.LargeLength).Select(_ => 0.125f * random.Next(-2, 3)).ToArray();
        }).ToArray();

        var output = MethodChecks.SameBitsOnOneAndTwoThreads(new Sce(selectTopK), MethodChecks.Flat(theta.Length), theta, taus);

        MethodChecks.WithinOneUlp(Reference(theta, taus, selectTopK), output);
    }

    /// <summary>§5.2 in float64 with plain loops and a full stable sort for the selection.</summary>
    private static double[] Reference(float[] theta, float[][] taus, double selectTopK)
    {
        int k = taus.Length, n = theta.Length;
        var keep = Enumerable.Repeat(selectTopK >= 1, n).ToArray();
        if (selectTopK < 1 && selectTopK > 0)
        {
            // The library ranks the float64 variance rounded to float32.
            var variance = new float[n];
            for (int j = 0; j < n; j++)
            {
                double mean = 0, squares = 0;
                for (int i = 0; i < k; i++) mean += taus[i][j];
                mean /= k;
                for (int i = 0; i < k; i++) squares += (taus[i][j] - mean) * (taus[i][j] - mean);
                variance[j] = (float)(squares / k);
            }
            long kept = (long)Math.Floor(variance.Count(v => v != 0) * selectTopK);
            foreach (int j in MergeReference.SortedByMagnitude(variance).Take((int)kept)) keep[j] = true;
        }
        var masked = taus.Select(tau => tau.Select((x, j) => keep[j] ? (double)x : 0).ToArray()).ToArray();
        var weights = masked.Select(tau => tau.Sum(x => x * x) / n).ToArray();
        double total = weights.Sum();
        weights = weights.Select(w => Math.Abs(total) < 1e-6 ? 1.0 / k : w / total).ToArray();

        var result = new double[n];
        for (int j = 0; j < n; j++)
        {
            int elected = masked.Sum(tau => tau[j]) >= 0 ? 1 : -1;
            double sum = 0, divisor = 0;
            for (int i = 0; i < k; i++)
            {
                if (Math.Sign(masked[i][j]) != elected) continue;
                sum += weights[i] * masked[i][j];
                divisor += weights[i];
            }
            result[j] = theta[j] + sum / Math.Max(divisor, 1e-6);
        }
        return result;
    }
}
