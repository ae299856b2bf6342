using ModelMerge.Methods;

namespace ModelMerge.Tests.Methods;

/// <summary>merge-semantics §2: the registry's defaults and internals for the task-arithmetic family.</summary>
public sealed class RecipeDefaultsTests
{
    /// <summary>Name, normalize default, rescale default, sign consensus, sparsifier — as the registry tables list them.</summary>
    public static TheoryData<string, bool, bool, bool, Sparsifier> Registry => new()
    {
        { "task_arithmetic", false, false, false, Sparsifier.None },
        { "ties", true, false, true, Sparsifier.Magnitude },
        { "dare_linear", false, true, false, Sparsifier.Random },
        { "dare_ties", false, true, true, Sparsifier.Random },
        { "breadcrumbs", false, false, false, Sparsifier.MagnitudeOutliers },
        { "breadcrumbs_ties", false, false, true, Sparsifier.MagnitudeOutliers },
        { "della", true, true, true, Sparsifier.RankedRandom },
        { "della_linear", false, true, false, Sparsifier.RankedRandom },
    };

    [Theory]
    [MemberData(nameof(Registry))]
    public void Method_has_mergekits_defaults(string name, bool normalize, bool rescale, bool consensus, Sparsifier sparsifier)
    {
        var method = TaskArithmeticMethod.Find(name);

        Assert.NotNull(method);
        Assert.Equal(name, method.Name);
        Assert.Equal(normalize, method.NormalizeDefault);
        Assert.Equal(rescale, method.RescaleDefault);
        Assert.Equal(consensus, method.SignConsensus);
        Assert.Equal(sparsifier, method.Sparsifier);
    }

    [Fact]
    public void Named_instances_are_the_registered_ones()
    {
        Assert.Equal(
            [TaskArithmeticMethod.TaskArithmetic, TaskArithmeticMethod.Ties, TaskArithmeticMethod.DareLinear, TaskArithmeticMethod.DareTies],
            new[] { "task_arithmetic", "ties", "dare_linear", "dare_ties" }.Select(TaskArithmeticMethod.Find));
    }

    [Fact]
    public void Recipe_names_are_matched_without_regard_to_case_and_unknown_ones_are_not_guessed()
    {
        Assert.Same(TaskArithmeticMethod.DareTies, TaskArithmeticMethod.Find("DARE_TIES"));
        Assert.Null(TaskArithmeticMethod.Find("dare"));
    }

    [Fact]
    public void Gamma_and_epsilon_default_as_the_registry_lists_them()
    {
        // §2 and §4.1: breadcrumbs drops the largest 1%; della spreads the keep probability by ±0.15.
        Assert.Equal(0.01, TaskArithmeticMethod.DefaultGamma);
        Assert.Equal(0.15, TaskArithmeticMethod.DefaultEpsilon);
        Assert.Equal(0.01, MergeMethods.Find("breadcrumbs")!.FindParameter("gamma")!.Default);
        Assert.Equal(0.15, MergeMethods.Find("della_linear")!.FindParameter("epsilon")!.Default);
    }

    [Fact]
    public void Density_and_lambda_default_to_one()
    {
        // §2: density (1.0) disables every sparsifier; lambda (1.0) leaves the delta as combined.
        Assert.Equal(1.0, TaskArithmeticMethod.DefaultDensity);
        Assert.Equal(1.0, TaskArithmeticMethod.DefaultLambda);
    }
}
