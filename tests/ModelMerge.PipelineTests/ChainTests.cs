using ModelMerge.Formats;
using ModelMerge.PipelineTests.Support;
using ModelMerge.TestData;

namespace ModelMerge.PipelineTests;

/// <summary>A merge's output handle merged again (A+B, then with C) streams in one export, with no intermediate files.</summary>
public sealed class ChainTests(ModelFolders models) : IClassFixture<ModelFolders>
{
    [Fact]
    public void Three_model_chain_in_memory_equals_the_same_chain_through_a_float32_file()
    {
        string ft3 = models.Output("ft3");
        if (!Directory.Exists(ft3))
            LlamaCheckpointGenerator.Write(ft3, new GeneratedModel(LlamaShape.Tiny, DType.BF16, BaseSeed: 1, FineTuneSeed: 3, IntegerBuffer: true));
        using var session = new PowerShellSession(models.Root);

        var chained = session.Run("""
            $ab = Get-Checkpoint ./ft1,./ft2 | Invoke-Merge linear -Weight 0.7,0.3
            Get-Checkpoint ./base | Get-TaskVector $ab,./ft3 | Invoke-TiesMerge -Density 0.5 | Export-Checkpoint ./chained -PassThru
            """);
        Assert.Empty(chained.Errors);
        Assert.Single(Directory.EnumerateDirectories(models.Root), d => Path.GetFileName(d) == "chained");

        // The same steps with A+B written out first: float32 keeps the intermediate exactly, so the bytes must agree.
        var stepwise = session.Run("""
            Get-Checkpoint ./ft1,./ft2 | Invoke-Merge linear -Weight 0.7,0.3 | Export-Checkpoint ./ab -DType F32
            Get-Checkpoint ./base | Get-TaskVector ./ab,./ft3 | Invoke-TiesMerge -Density 0.5 | Export-Checkpoint ./stepwise
            """);
        Assert.Empty(stepwise.Errors);
        StoredValues.AssertSameCheckpoint(models.Output("stepwise"), models.Output("chained"));
        Assert.Empty(models.StagingLeftovers());
    }

    [Fact]
    public void A_merged_base_carries_its_integer_buffers_and_refuses_to_overwrite_its_inputs()
    {
        using var session = new PowerShellSession(models.Root);
        var result = session.Run("""
            $soup = Get-Checkpoint ./ft1,./ft2 | Invoke-Merge linear
            Get-TaskVector -Base $soup ./ft1 | Invoke-TaskArithmetic | Export-Checkpoint ./ft2 -Force
            """);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("OutputIsInput", error.FullyQualifiedErrorId);

        Assert.Empty(session.Run("Get-TaskVector -Base (Get-Checkpoint ./ft1,./ft2 | Invoke-Merge linear) ./base | Invoke-TaskArithmetic -Lambda 0 | Export-Checkpoint ./soup").Errors);
        var soup = Formats.Folders.SafetensorsCheckpoint.Open(models.Output("soup"));
        var original = Formats.Folders.SafetensorsCheckpoint.Open(models.Base);
        Assert.Equal(StoredValues.Bytes(original, LlamaCheckpointGenerator.IntegerBufferName), StoredValues.Bytes(soup, LlamaCheckpointGenerator.IntegerBufferName));
    }
}
