using ModelMerge.Formats.Folders;
using ModelMerge.PipelineTests.Support;
using ModelMerge.TestData;

namespace ModelMerge.PipelineTests;

/// <summary>Invoke-FisherMerge as users run it (merge-semantics §10.2), checked against float64 sums of the stored models and Fishers.</summary>
public sealed class FisherMergeTests(FisherFolders folders) : IClassFixture<FisherFolders>
{
    private const double Epsilon = 1e-8;

    private ModelFolders Models => folders.Models;

    [Fact]
    public void Fisher_merge_weighs_each_element_by_the_models_Fisher_and_carries_the_integer_buffer()
    {
        using var session = new PowerShellSession(Models.Root);
        var result = session.Run(
            "Get-Checkpoint ./ft1,./ft2 | Invoke-FisherMerge -Fisher ./fisher1,./fisher2 -Weight @{ mlp = 3; default = 1 }, 1 | Export-Checkpoint ./fisher-merged -DType F32");
        Assert.Empty(result.Errors);

        var output = SafetensorsCheckpoint.Open(Models.Output("fisher-merged"));
        AssertFisherAverage(output, "model.layers.1.mlp.up_proj.weight", 3, 1);
        AssertFisherAverage(output, "model.layers.0.self_attn.q_proj.weight", 1, 1);
        AssertFisherAverage(output, "model.norm.weight", 1, 1);
        AssertFisherAverage(output, "model.embed_tokens.weight", 1, 1);
        Assert.Equal(StoredValues.Bytes(SafetensorsCheckpoint.Open(Models.FineTuned1), LlamaCheckpointGenerator.IntegerBufferName),
            StoredValues.Bytes(output, LlamaCheckpointGenerator.IntegerBufferName));
    }

    [Theory]
    [InlineData("", "MissingMandatoryParameter")]
    [InlineData("-Fisher ./fisher1,./no-such-fisher", "CheckpointNotFound")]
    [InlineData("-Fisher ./fisher1", "ParameterCountMismatch")]
    [InlineData("-Fisher ./fisher1,./fisher2 -Weight 1,2,3", "ParameterCountMismatch")]
    [InlineData("-Fisher ./fisher1,./fisher-reshaped", "TensorShapeMismatch")]
    [InlineData("-Fisher ./fisher1,./fisher2 -Weight 1,-1", "InvalidWeight")]
    [InlineData("-Fisher ./fisher1,./fisher2 -Epsilon -1", "ParameterArgumentValidationError")]
    public void A_Fisher_merge_that_cannot_be_built_stops_the_pipeline_and_writes_nothing(string arguments, string errorId)
    {
        using var session = new PowerShellSession(Models.Root);
        string target = $"never-{errorId}-{Guid.NewGuid():N}";
        var result = session.Run($"Get-Checkpoint ./ft1,./ft2 | Invoke-FisherMerge {arguments} | Export-Checkpoint ./{target}");

        var error = Assert.Single(result.Errors);
        Assert.StartsWith(errorId + ",", error.FullyQualifiedErrorId);
        Assert.False(Directory.Exists(Models.Output(target)));
        Assert.Empty(Models.StagingLeftovers());
    }

    [Fact]
    public void A_mismatched_shape_names_the_tensor_and_the_Fisher_checkpoint()
    {
        using var session = new PowerShellSession(Models.Root);
        var result = session.Run("Get-Checkpoint ./ft1,./ft2 | Invoke-FisherMerge -Fisher ./fisher1,./fisher-reshaped");

        var error = Assert.Single(result.Errors);
        Assert.Equal(FisherFolders.ReshapedTensor, error.TargetObject);
        Assert.Contains("'fisher-reshaped'", error.Exception.Message);
    }

    [Fact]
    public void A_negative_Fisher_value_fails_the_export_naming_tensor_model_and_element_and_leaves_no_folder()
    {
        using var session = new PowerShellSession(Models.Root);
        var result = session.Run("Get-Checkpoint ./ft1,./ft2 | Invoke-FisherMerge -Fisher ./fisher1,./fisher-negative | Export-Checkpoint ./fisher-negative-out");

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("InvalidFisher,", error.FullyQualifiedErrorId);
        Assert.Contains(FisherFolders.NegativeTensor, error.Exception.Message);
        Assert.Contains("the Fisher of 'ft2'", error.Exception.Message);
        Assert.Contains($"element {FisherFolders.NegativeElement};", error.Exception.Message);
        Assert.False(Directory.Exists(Models.Output("fisher-negative-out")));
        Assert.Empty(Models.StagingLeftovers());
    }

    /// <summary>out_j = Σ λ_i(F_i,j + ε)·θ_i,j / Σ λ_i(F_i,j + ε) over ft1 and ft2, within one float32 ulp of float64.</summary>
    private void AssertFisherAverage(SafetensorsCheckpoint output, string tensor, double weight1, double weight2)
    {
        var theta1 = StoredValues.Floats(SafetensorsCheckpoint.Open(Models.FineTuned1), tensor);
        var theta2 = StoredValues.Floats(SafetensorsCheckpoint.Open(Models.FineTuned2), tensor);
        var fisher1 = StoredValues.Floats(SafetensorsCheckpoint.Open(folders.Fisher1), tensor);
        var fisher2 = StoredValues.Floats(SafetensorsCheckpoint.Open(folders.Fisher2), tensor);
        var actual = StoredValues.Floats(output, tensor);
        Assert.Equal(theta1.Length, actual.Length);
        for (int j = 0; j < actual.Length; j++)
        {
            double w1 = weight1 * (fisher1[j] + Epsilon), w2 = weight2 * (fisher2[j] + Epsilon);
            Ulps.AssertWithin((w1 * theta1[j] + w2 * theta2[j]) / (w1 + w2), actual[j], tensor, j);
        }
    }
}
