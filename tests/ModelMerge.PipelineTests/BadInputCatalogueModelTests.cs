using System.Management.Automation;
using ModelMerge.Formats;
using ModelMerge.Formats.Folders;
using ModelMerge.PipelineTests.Support;
using ModelMerge.TestData;

namespace ModelMerge.PipelineTests;

/// <summary>
/// Bad-input catalogue, models that do not fit together (7 cases), by the rules of
/// TensorAlignment (merge-semantics §1.4, §7.2): embeddings may differ in rows only, and only
/// methods that cut vocabularies accept that; every other difference is an error naming the
/// tensor and the models, raised while the plan is built, before anything is written.
/// <list type="number">
/// <item>a fine-tune with a tensor the base lacks — TensorSetMismatch</item>
/// <item>a model missing a tensor the first model has — TensorSetMismatch</item>
/// <item>a projection of another size, merged by Invoke-Merge — TensorShapeMismatch</item>
/// <item>embeddings of another width (hidden size) — TensorShapeMismatch, even for a method that cuts rows</item>
/// <item>a fine-tune with fewer vocabulary rows than its base in a task-arithmetic merge — EmbeddingTooSmall</item>
/// <item>vocabularies that differ under a method that needs equal shapes (nearswap) — TensorShapeMismatch</item>
/// <item>vocabularies that differ under linear: accepted, cut to the common rows with a warning (the one case that is not refused)</item>
/// </list>
/// The Get-TaskVector path of a shape mismatch is SafetyTests.Models_of_different_shapes_are_refused_naming_the_tensor.
/// </summary>
public sealed class BadInputCatalogueModelTests(ModelFolders models) : IClassFixture<ModelFolders>
{
    private string Generated(string name, LlamaShape shape) =>
        LlamaCheckpointGenerator.Write(models.Output(name), new GeneratedModel(shape, DType.BF16, BaseSeed: 1, FineTuneSeed: 7, IntegerBuffer: true));

    [Fact]
    public void A_fine_tune_with_a_tensor_the_base_lacks_is_refused()
    {
        DamagedCheckpoint.CopyOf(models.FineTuned1, models.Output("extra-tensor"))
            .AddTensor("model.layers.0.self_attn.q_norm.weight", DType.BF16, [64], new byte[128]);
        Refusal.OfExport(models, "Get-Checkpoint ./base | Get-TaskVector ./extra-tensor | Invoke-TiesMerge", "TensorSetMismatch",
            ErrorCategory.InvalidArgument, "'extra-tensor' has a tensor 'model.layers.0.self_attn.q_norm.weight' that 'base' lacks", "not the same architecture");
    }

    [Fact]
    public void A_model_missing_a_tensor_is_refused()
    {
        DamagedCheckpoint.CopyOf(models.FineTuned2, models.Output("missing-tensor")).RemoveTensor("model.layers.1.mlp.up_proj.weight");
        Refusal.OfExport(models, "Get-Checkpoint ./ft1,./missing-tensor | Invoke-Merge linear", "TensorSetMismatch", ErrorCategory.InvalidArgument,
            "'missing-tensor' has no tensor 'model.layers.1.mlp.up_proj.weight', which 'ft1' has");
    }

    [Fact]
    public void A_projection_of_another_size_is_refused_by_Invoke_Merge()
    {
        Generated("wider-mlp", LlamaShape.Tiny with { Intermediate = 192 });
        Refusal.OfExport(models, "Get-Checkpoint ./ft1,./wider-mlp | Invoke-Merge linear", "TensorShapeMismatch", ErrorCategory.InvalidArgument,
            "tensor 'model.layers.0.mlp.down_proj.weight' has different shapes", "[64, 176] in 'ft1'", "[64, 192] in 'wider-mlp'");
    }

    [Fact]
    public void Embeddings_of_another_width_are_refused_even_by_a_method_that_cuts_rows()
    {
        Generated("wider-hidden", LlamaShape.Tiny with { Hidden = 128 });
        Refusal.OfExport(models, "Get-Checkpoint ./ft1,./wider-hidden | Invoke-Merge linear", "TensorShapeMismatch", ErrorCategory.InvalidArgument,
            "tensor 'model.embed_tokens.weight' has different shapes", "[256, 64] in 'ft1'", "[256, 128] in 'wider-hidden'");
    }

    [Fact]
    public void A_fine_tune_with_a_smaller_vocabulary_than_its_base_is_refused_by_task_arithmetic()
    {
        Generated("small-vocab", LlamaShape.Tiny with { Vocab = 250 });
        Refusal.OfExport(models, "Get-Checkpoint ./base | Get-TaskVector ./small-vocab | Invoke-TaskArithmetic", "EmbeddingTooSmall",
            ErrorCategory.InvalidArgument, "'small-vocab' has 250 rows of 'model.embed_tokens.weight', fewer than the base's 256", "cannot grow one");
    }

    [Fact]
    public void Vocabularies_that_differ_are_refused_by_a_method_that_needs_equal_shapes()
    {
        Generated("other-vocab", LlamaShape.Tiny with { Vocab = 260 });
        Refusal.OfExport(models, "Get-Checkpoint ./other-vocab | Invoke-Merge nearswap -Base ./ft1 -T 0.5", "TensorShapeMismatch",
            ErrorCategory.InvalidArgument, "tensor 'model.embed_tokens.weight' has different shapes", "[260, 64] in 'other-vocab'");
    }

    [Fact]
    public void Vocabularies_that_differ_are_cut_to_the_common_rows_by_linear_with_a_warning()
    {
        Generated("cut-vocab", LlamaShape.Tiny with { Vocab = 250 });
        using var session = new PowerShellSession(models.Root);
        using var shell = session.CreateShell();
        shell.AddScript("Get-Checkpoint ./ft1,./cut-vocab | Invoke-Merge linear | Export-Checkpoint ./cut-vocab-out");
        shell.Invoke();

        Assert.Empty(shell.Streams.Error);
        Assert.Contains(shell.Streams.Warning, w => w.Message.Contains("'model.embed_tokens.weight' has 256 rows in ft1, 250 rows in cut-vocab; merging the first 250 rows", StringComparison.Ordinal));
        var written = SafetensorsCheckpoint.Open(models.Output("cut-vocab-out"));
        Assert.Equal([250L, 64L], written.Find("model.embed_tokens.weight")!.Shape);
        Assert.Contains("\"vocab_size\": 250", File.ReadAllText(Path.Combine(models.Output("cut-vocab-out"), "config.json")));
    }
}
