using ModelMerge.Methods;
using ModelMerge.Plans.Handles;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>Task arithmetic and linear merges of random tensors of odd lengths against float64 references.</summary>
[Collection(RandomCheckpointCollection.Name)]
public sealed class TaskArithmeticReferenceTests(OddLengthCheckpoints oddLengths, RealisticCheckpoints realistic)
{
    private static readonly double[] Weights = [1.0, -0.75, 0.5, 0.375, 0.0];
    private static readonly double[] LinearWeights = [0.5, 1.0, -0.75, 0.5, 0.375, 0.0];

    [Theory]
    [InlineData(false, 1.0)]
    [InlineData(true, 0.8)]
    public void Task_arithmetic_matches_the_float64_reference(bool normalize, double lambda)
    {
        ReferenceExports.AssertWithinRoundingBudget(oddLengths, TaskArithmetic(oddLengths, normalize, lambda),
            tensor => TaskArithmeticReference(oddLengths, tensor, normalize, lambda));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Linear_merge_matches_the_float64_reference(bool normalize)
    {
        ReferenceExports.AssertWithinRoundingBudget(oddLengths, Linear(oddLengths, LinearWeights, normalize),
            tensor => LinearReference(oddLengths, tensor, LinearWeights, normalize));
    }

    [Fact]
    public void Task_arithmetic_recipe_on_realistic_weights_is_within_two_float32_ulps_and_one_bf16_ulp_of_the_float64_reference()
    {
        // 003's recommendation: λ = 0.8; two fine-tunes weighted 1 and 0.5.
        double[] weights = [1.0, 0.5];

        ReferenceExports.AssertWithinUlpsOfOutput(realistic, TaskArithmetic(realistic, weights, false, 0.8),
            tensor => TaskArithmeticReference(realistic, tensor, weights, false, 0.8));
    }

    [Fact]
    public void Linear_soup_of_realistic_weights_is_within_two_float32_ulps_and_one_bf16_ulp_of_the_float64_reference()
    {
        double[] weights = [0.5, 0.3, 0.2];

        ReferenceExports.AssertWithinUlpsOfOutput(realistic, Linear(realistic, weights, true),
            tensor => LinearReference(realistic, tensor, weights, true));
    }

    private static CheckpointHandle TaskArithmetic(RandomCheckpoints checkpoints, bool normalize, double lambda) =>
        TaskArithmetic(checkpoints, Weights, normalize, lambda);

    private static CheckpointHandle TaskArithmetic(RandomCheckpoints checkpoints, double[] weights, bool normalize, double lambda) =>
        TaskArithmeticMerge.Build(TaskArithmeticMethod.TaskArithmetic, checkpoints.TaskVectors(weights),
            new TaskArithmeticOptions { Normalize = normalize, Lambda = lambda });

    private static Expectation TaskArithmeticReference(RandomCheckpoints checkpoints, string tensor, bool normalize, double lambda) =>
        TaskArithmeticReference(checkpoints, tensor, Weights, normalize, lambda);

    private static Expectation TaskArithmeticReference(RandomCheckpoints checkpoints, string tensor, double[] weights, bool normalize, double lambda)
    {
        var taus = checkpoints.Taus(tensor).Take(weights.Length).Select(MergeReference.Widen).ToList();
        double divisor = normalize ? weights.Sum() : 1;
        var theta = checkpoints.BaseValues[tensor];
        return new Expectation(MergeReference.Add(theta, MergeReference.WeightedSum(taus, weights, divisor, lambda)), null,
            MergeReference.TermScale(theta, taus, weights, lambda / divisor));
    }

    /// <summary>The base and the first fine-tunes, one per weight after the base's, averaged as checkpoints.</summary>
    private static CheckpointHandle Linear(RandomCheckpoints checkpoints, double[] weights, bool normalize) =>
        LinearMerge.Build([checkpoints.Base, .. checkpoints.FineTunes.Take(weights.Length - 1)], weights, normalize);

    private static Expectation LinearReference(RandomCheckpoints checkpoints, string tensor, double[] weights, bool normalize)
    {
        var thetas = new[] { checkpoints.BaseValues[tensor] }.Concat(checkpoints.FineTuneValues.Select(ft => ft[tensor]))
            .Take(weights.Length).Select(MergeReference.Widen).ToList();
        double divisor = normalize ? weights.Sum() : 1;
        return new Expectation(MergeReference.WeightedSum(thetas, weights, divisor, 1), null, MergeReference.TermScale(null, thetas, weights, 1 / divisor));
    }
}
