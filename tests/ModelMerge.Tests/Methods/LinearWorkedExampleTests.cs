using ModelMerge.Methods;
using ModelMerge.Plans.Export;
using ModelMerge.Plans.Handles;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>merge-semantics §3.1, example L1: the weighted average of checkpoints.</summary>
public sealed class LinearWorkedExampleTests
{
    private static readonly float[] ThetaA = [0.5f, -1.0f, 2.0f, 0.0f];
    private static readonly float[] ThetaB = [1.5f, 1.0f, -2.0f, 0.4f];
    private static readonly float[] ThetaC = [0.0f, 0.5f, 1.0f, -0.4f];

    public static TheoryData<double[], bool, double[]> Rows => new()
    {
        { [2, 1, 1], true, [0.625, -0.125, 0.75, 0.0] },
        { [2, 1, 1], false, [2.5, -0.5, 3.0, 0.0] },
        { [0.7, 0.3], true, [0.8, -0.4, 0.8, 0.12] },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Weighted_sum_reproduces_example_L1(double[] weights, bool normalize, double[] expected)
    {
        float[][] inputs = [ThetaA, ThetaB, ThetaC];
        var packed = ChunkLayout.BackToBack(1, inputs[..weights.Length]);
        var output = new float[ThetaA.Length];
        double divisor = normalize ? weights.Sum() : 1.0;

        WeightedSum.Combine(packed, weights, divisor, 1.0, default, output);

        WorkedExample.AssertClose(expected, output);
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Linear_merge_of_stored_checkpoints_reproduces_example_L1(double[] weights, bool normalize, double[] expected)
    {
        using var temp = new TempFolder("linear-l1");
        float[][] thetas = [ThetaA, ThetaB, ThetaC];
        var checkpoints = thetas.Take(weights.Length)
            .Select((theta, i) => CheckpointHandle.Open(SafetensorsFiles.WriteF32(temp.Child($"model{i}"), [new TensorValues("w", theta)])))
            .ToList();

        var merged = LinearMerge.Build(checkpoints, weights, normalize);
        string output = CheckpointExporter.Export(merged, temp.Child("out"), new ExportOptions()).Path;

        WorkedExample.AssertClose(expected, SafetensorsFiles.ReadSingles(output)["w"]);
    }

    [Fact]
    public void Normalized_linear_merge_refuses_weights_that_sum_to_zero()
    {
        using var temp = new TempFolder("linear-zero");
        var a = CheckpointHandle.Open(SafetensorsFiles.WriteF32(temp.Child("a"), [new TensorValues("w", ThetaA)]));
        var b = CheckpointHandle.Open(SafetensorsFiles.WriteF32(temp.Child("b"), [new TensorValues("w", ThetaB)]));

        // §3.1 MM: mergekit would divide by zero; ModelMerge says so instead.
        var error = Assert.Throws<MergeException>(() => LinearMerge.Build([a, b], [1.0, -1.0], normalize: true));

        Assert.Equal(LinearMerge.WeightsSumToZero, error.ErrorId);
    }
}
