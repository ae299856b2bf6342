using ModelMerge.Methods;
using ModelMerge.Plans.Handles;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>
/// TIES on random tensors of odd lengths against a float64 reference (trim with lower-index
/// ties, weighted vote, disjoint mean, λ), with a negative and a zero weight, an all-zero task
/// vector and a vector whose magnitudes tie by the thousand at every cut.
/// </summary>
[Collection(RandomCheckpointCollection.Name)]
public sealed class TiesReferenceTests(TrimmableCheckpoints trimmable, OddLengthCheckpoints oddLengths, RealisticCheckpoints realistic)
{
    private static readonly double[] Weights = [1.0, -0.75, 0.5, 0.375, 0.0];

    public static TheoryData<double[], SignRule, bool, double> TrimCases => new()
    {
        { [0.3, 0.5, 0.25, 0.4, 0.2], SignRule.Sum, true, 1.0 },
        { [0.35], SignRule.Count, false, 0.6 },
        { [0.9, 0.15, 0.6, 0.15, 0.75], SignRule.Sum, false, 1.25 },
    };

    [Theory]
    [MemberData(nameof(TrimCases))]
    public void Trimmed_ties_matches_the_float64_reference(double[] density, SignRule rule, bool normalize, double lambda)
    {
        var options = new TaskArithmeticOptions { Density = density, SignRule = rule, Normalize = normalize, Lambda = lambda };

        ReferenceExports.AssertWithinRoundingBudget(trimmable, Merge(trimmable, options), tensor => Reference(trimmable, tensor, options));
    }

    [Theory]
    [InlineData(SignRule.Sum, true)]
    [InlineData(SignRule.Count, false)]
    public void Untrimmed_ties_matches_the_float64_reference_at_every_odd_length(SignRule rule, bool normalize)
    {
        var options = new TaskArithmeticOptions { Density = [1.0], SignRule = rule, Normalize = normalize, Lambda = 0.8 };

        ReferenceExports.AssertWithinRoundingBudget(oddLengths, Merge(oddLengths, options), tensor => Reference(oddLengths, tensor, options));
    }

    [Fact]
    public void Ties_recipe_on_realistic_weights_is_within_two_float32_ulps_and_one_bf16_ulp_of_the_float64_reference()
    {
        // Three fine-tunes with family F's weights, the seeds' density 0.2 and the defaults.
        double[] weights = [1.0, 0.5, 0.8];
        var options = new TaskArithmeticOptions { Density = [0.2] };

        ReferenceExports.AssertWithinUlpsOfOutput(realistic, Merge(realistic, options, weights), tensor => Reference(realistic, tensor, options, weights));
    }

    private static CheckpointHandle Merge(RandomCheckpoints checkpoints, TaskArithmeticOptions options, double[]? weights = null) =>
        TaskArithmeticMerge.Build(TaskArithmeticMethod.Ties, checkpoints.TaskVectors(weights ?? Weights), options);

    private static Expectation Reference(RandomCheckpoints checkpoints, string tensor, TaskArithmeticOptions options, double[]? weights = null)
    {
        weights ??= Weights;
        var density = options.Density!;
        bool normalize = options.Normalize ?? true;
        var trimmed = checkpoints.Taus(tensor).Take(weights.Length)
            .Select((tau, i) => MergeReference.Trim(tau, density[density.Length == 1 ? 0 : i])).ToList();
        var (delta, otherSign) = MergeReference.Consensus(trimmed, weights, options.SignRule, normalize, options.Lambda);
        var theta = checkpoints.BaseValues[tensor];
        // A normalized Δ exceeds Σ|w·τ'| when the agreeing weights sum below 1, so |Δ| joins the scale.
        var scale = MergeReference.TermScale(theta, trimmed, weights, options.Lambda).Select((s, j) => s + Math.Abs(delta[j])).ToArray();
        return new Expectation(MergeReference.Add(theta, delta), MergeReference.Add(theta, otherSign), scale);
    }
}
