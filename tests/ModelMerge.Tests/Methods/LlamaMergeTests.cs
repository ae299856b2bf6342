using ModelMerge.Methods;
using ModelMerge.Plans.Export;
using ModelMerge.Plans.Handles;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>
/// Whole generated llamas merged, exported as BF16 and read back: every element of every tensor
/// within one bf16 ulp of a float64 reference computed from the stored inputs. The one allowance:
/// where the terms cancel to almost nothing (the wide linear merge has an element whose exact
/// value is ~1e-19), float32's own rounding of the terms is larger than a bf16 ulp of the result.
/// </summary>
[Collection(GeneratedLlamaCollection.Name)]
public sealed class LlamaMergeTests(GeneratedLlamas llamas)
{
    [Theory]
    [InlineData("tiny")]
    [InlineData("wide")]
    public void Ties_at_density_one_fifth_matches_the_float64_reference(string shape)
    {
        var set = llamas[shape];
        double[] weights = [1.0, 0.5];

        var merged = TaskArithmeticMerge.Build(TaskArithmeticMethod.Ties, set.TaskVectors(weights), new TaskArithmeticOptions { Density = [0.2] });

        AssertEveryTensor(set, merged, tensor =>
        {
            var theta = set.BaseValues[tensor];
            var trimmed = set.Taus(tensor).Select(tau => MergeReference.Trim(tau, 0.2)).ToList();
            var (delta, otherSign) = MergeReference.Consensus(trimmed, weights, SignRule.Sum, normalize: true, lambda: 1);
            var scale = MergeReference.TermScale(theta, trimmed, weights, 1).Select((s, j) => s + Math.Abs(delta[j])).ToArray();
            return new Expectation(MergeReference.Add(theta, delta), MergeReference.Add(theta, otherSign), scale);
        });
    }

    [Theory]
    [InlineData("tiny")]
    [InlineData("wide")]
    public void Task_arithmetic_with_lambda_0_8_matches_the_float64_reference(string shape)
    {
        var set = llamas[shape];
        double[] weights = [1.0, 0.5];

        var merged = TaskArithmeticMerge.Build(TaskArithmeticMethod.TaskArithmetic, set.TaskVectors(weights), new TaskArithmeticOptions { Lambda = 0.8 });

        AssertEveryTensor(set, merged, tensor =>
        {
            var theta = set.BaseValues[tensor];
            var taus = set.Taus(tensor).Select(MergeReference.Widen).ToList();
            return new Expectation(MergeReference.Add(theta, MergeReference.WeightedSum(taus, weights, 1, 0.8)), null,
                MergeReference.TermScale(theta, taus, weights, 0.8));
        });
    }

    [Theory]
    [InlineData("tiny")]
    [InlineData("wide")]
    public void Linear_merge_of_three_checkpoints_matches_the_float64_reference(string shape)
    {
        var set = llamas[shape];
        double[] weights = [0.5, 0.3, 0.2];

        var merged = LinearMerge.Build([set.Base, .. set.FineTunes], weights);

        AssertEveryTensor(set, merged, tensor =>
        {
            var thetas = new[] { set.BaseValues[tensor], set.FineTuneValues[0][tensor], set.FineTuneValues[1][tensor] }.Select(MergeReference.Widen).ToList();
            return new Expectation(MergeReference.WeightedSum(thetas, weights, weights.Sum(), 1), null,
                MergeReference.TermScale(null, thetas, weights, 1 / weights.Sum()));
        });
    }

    private void AssertEveryTensor(GeneratedLlamaSet set, CheckpointHandle merged, Func<string, Expectation> reference)
    {
        string output = CheckpointExporter.Export(merged, llamas.NewTarget(), new ExportOptions()).Path;
        var written = SafetensorsFiles.ReadBFloat16Bits(output);

        Assert.Equal(set.TensorNames.Order(StringComparer.Ordinal), written.Keys.Order(StringComparer.Ordinal));
        foreach (string tensor in set.TensorNames)
        {
            // bf16 task vectors are exact in float32 and the combine rounds once from float64, so
            // every element must be within one bf16 ulp, with no allowance for cancellation.
            var (expected, otherSign, _) = reference(tensor);
            ReferenceAssert.BFloat16WithinOneUlp(tensor, written[tensor], expected, otherSign);
        }
    }
}
