using ModelMerge.Methods;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>merge-semantics §5.6: ram averages overlapping changes and keeps unique ones; ramplus_tl boosts the unique ones.</summary>
public sealed class ReinforcedAgentMergeTests
{
    private static readonly float[] Tau1 = [0.1f, 0.2f, -0.1f, 0.3f, 0.1f, -0.2f, 0.4f, 0f];
    private static readonly float[] Tau2 = [0f, 0f, 0f, 0f, 0f, 0f, -0.2f, 0.5f];
    private static readonly float[] Tau3 = [0f, 0f, 0f, 0f, 0f, 0f, 0f, 0.3f];

    private static ReinforcedAgentMerge Ram() => new(1e-5, null);

    private static ReinforcedAgentMerge RamPlus() => new(1e-5, new ReinforcedAgentMerge.UniqueBoost(0.1, 0.2));

    [Fact]
    public void Ram_reproduces_example_RAM1()
    {
        var output = TensorMergeRunner.Run(Ram(), [8], new float[8], Tau1, Tau2, Tau3);

        WorkedExample.AssertClose([0.1, 0.2, -0.1, 0.3, 0.1, -0.2, 0.1, 0.4], output);
    }

    [Fact]
    public void Ramplus_tl_reproduces_example_RAM1()
    {
        // λ = (1 + 0.1·(1/6), 1.02, 1.02): model 1 shares one of seven changes; 2 and 3 have no unique ones (ratio capped at 0.2).
        var output = TensorMergeRunner.Run(RamPlus(), [8], new float[8], Tau1, Tau2, Tau3);

        WorkedExample.AssertClose([0.101667, 0.203333, -0.101667, 0.305, 0.101667, -0.203333, 0.1, 0.4], output);
    }

    [Fact]
    public void A_value_below_epsilon_is_inactive_even_beside_an_active_one()
    {
        // Element 0: only τ_2 is active, so 0.2 (not the mean 0.1000005); element 2: nothing active, the base.
        var output = TensorMergeRunner.Run(Ram(), [3], [1f, 1f, 1f], [1e-6f, 0.5f, 1e-6f], [0.2f, 0.3f, -1e-6f]);

        WorkedExample.AssertClose([1.2, 1.4, 1], output);
    }

    [Fact]
    public void No_models_give_the_base()
    {
        float[] theta = [1f, 2f];

        Assert.Equal(theta, TensorMergeRunner.Run(RamPlus(), [2], theta));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Large_sparse_merge_is_within_one_ulp_of_the_float64_reference_on_any_thread_count(bool plus)
    {
        var theta = MethodChecks.Normal(80, MethodChecks.LargeLength, 0.02);
        var taus = Enumerable.Range(0, 3).Select(i => Sparse(81 + i, MethodChecks.LargeLength, 0.2 + 0.2 * i)).ToArray();
        var method = plus ? RamPlus() : Ram();

        var output = MethodChecks.SameBitsOnOneAndTwoThreads(method, MethodChecks.Flat(theta.Length), theta, taus);

        MethodChecks.WithinOneUlp(Reference(theta, taus, 1e-5, plus ? 0.1 : 0, 0.2), output);
    }

    /// <summary>A task vector changed at about <paramref name="active"/> of its elements, with values near ε elsewhere.</summary>
    private static float[] Sparse(int seed, int length, double active)
    {
        var random = new Random(seed);
        var values = MethodChecks.Normal(seed, length, 0.01);
        return values.Select(x => random.NextDouble() < active ? x : (float)((random.NextDouble() - 0.5) * 4e-5)).ToArray();
    }

    /// <summary>§5.6 in float64 with plain loops; r = 0 is ram.</summary>
    private static double[] Reference(float[] theta, float[][] taus, double epsilon, double r, double alpha)
    {
        int k = taus.Length, n = theta.Length;
        bool Active(int i, int j) => Math.Abs(taus[i][j]) > epsilon;
        int Contributors(int j) => Enumerable.Range(0, k).Count(i => Active(i, j));
        var lambda = new double[k];
        for (int i = 0; i < k; i++)
        {
            long shared = 0, unique = 0;
            for (int j = 0; j < n; j++)
            {
                if (!Active(i, j)) continue;
                if (Contributors(j) > 1) shared++;
                else unique++;
            }
            lambda[i] = 1 + r * Math.Min(Math.Max(shared / Math.Max(unique, epsilon), 0), alpha);
        }
        var result = new double[n];
        for (int j = 0; j < n; j++)
        {
            var active = Enumerable.Range(0, k).Where(i => Active(i, j)).ToList();
            double delta = active.Count switch
            {
                0 => 0,
                1 => taus[active[0]][j] * lambda[active[0]],
                _ => active.Average(i => (double)taus[i][j]),
            };
            result[j] = theta[j] + delta;
        }
        return result;
    }
}
