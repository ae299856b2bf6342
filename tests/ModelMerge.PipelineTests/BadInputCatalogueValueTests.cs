using System.Management.Automation;
using ModelMerge.Formats;
using ModelMerge.Formats.Folders;
using ModelMerge.PipelineTests.Support;
using ModelMerge.TestData;

namespace ModelMerge.PipelineTests;

/// <summary>
/// Bad-input catalogue, values (11 cases): NaN and ±∞ in well-formed files. By default the export
/// stops with NonFiniteInput naming the file, the tensor, the first such element and its value,
/// and writes nothing; -AllowNonFinite merges them as they are and warns once per input tensor.
/// Every read path is exercised: widened (bf16, f16, f32), fused into a task vector's difference,
/// and copied byte for byte.
/// <list type="number">
/// <item>a NaN in a fine-tune read by TIES — NonFiniteInput naming the fine-tune</item>
/// <item>a NaN in the base, which every task vector subtracts — NonFiniteInput naming the base</item>
/// <item>a +∞ in a model of a linear merge — NonFiniteInput</item>
/// <item>a −∞ in a tensor exported byte for byte (a copy, no merge) — NonFiniteInput</item>
/// <item>a NaN in an F32 checkpoint converted to BF16 — NonFiniteInput with the NaN's bits</item>
/// <item>a +∞ in an F16 fine-tune — NonFiniteInput</item>
/// <item>several across chunks read on several threads — the error names the lowest index</item>
/// <item>-AllowNonFinite: merged as they are, one warning per input tensor, every other value bit-identical to a clean merge</item>
/// <item>-AllowNonFinite counts a base element once, however many plans read it</item>
/// <item>-AllowNonFinite on a byte-for-byte copy keeps the bytes and warns</item>
/// <item>a −∞ in an attention-mask constant (a buffer computed from the config) is carried unchanged, not refused</item>
/// </list>
/// </summary>
public sealed class BadInputCatalogueValueTests(ModelFolders models) : IClassFixture<ModelFolders>
{
    private const string DownProjection = "model.layers.0.mlp.down_proj.weight";
    private const string QueryProjection = "model.layers.0.self_attn.q_proj.weight";
    private const string Embedding = "model.embed_tokens.weight";
    private static readonly float QuietNaN = BitConverter.UInt32BitsToSingle(0x7FC0_0000);

    private DamagedCheckpoint WithValues(string source, string name, params (string Tensor, long Index, float Value)[] values)
    {
        var model = DamagedCheckpoint.CopyOf(source, models.Output(name));
        foreach (var (tensor, index, value) in values) model.SetElement(tensor, index, value);
        return model;
    }

    private string Generated(string name, LlamaShape shape, DType dtype, ulong? fineTuneSeed) =>
        LlamaCheckpointGenerator.Write(models.Output(name), new GeneratedModel(shape, dtype, BaseSeed: 1, FineTuneSeed: fineTuneSeed, IntegerBuffer: true));

    private static (PowerShellSession.Result Run, IReadOnlyList<string> Warnings) RunWithWarnings(PowerShellSession session, string script)
    {
        using var shell = session.CreateShell();
        shell.AddScript(script);
        var output = shell.Invoke();
        return (new PowerShellSession.Result(output, [.. shell.Streams.Error], [.. shell.Streams.Progress], []),
            shell.Streams.Warning.Select(w => w.Message).ToList());
    }

    [Fact]
    public void A_NaN_in_a_fine_tune_is_refused_naming_the_file_the_tensor_and_the_element()
    {
        var model = WithValues(models.FineTuned1, "nan-ft", (DownProjection, 1234, QuietNaN));
        var run = Refusal.OfExport(models, "Get-Checkpoint ./base | Get-TaskVector ./nan-ft,./ft2 | Invoke-TiesMerge", "NonFiniteInput",
            ErrorCategory.InvalidData, model.WeightFile, $"tensor '{DownProjection}'", "element 1234 [7, 2] is NaN (bits 0x7FC0)", "-AllowNonFinite");
        Assert.Equal(model.WeightFile, run.Errors[0].TargetObject);
    }

    [Fact]
    public void A_NaN_in_the_base_is_refused_naming_the_base()
    {
        var model = WithValues(models.Base, "nan-base", (QueryProjection, 70, QuietNaN));
        Refusal.OfExport(models, "Get-Checkpoint ./nan-base | Get-TaskVector ./ft1,./ft2 | Invoke-TiesMerge", "NonFiniteInput",
            ErrorCategory.InvalidData, model.WeightFile, $"tensor '{QueryProjection}'", "element 70 [1, 6] is NaN");
    }

    [Fact]
    public void An_infinity_in_a_linear_merge_is_refused()
    {
        var model = WithValues(models.FineTuned2, "inf-linear", ("model.norm.weight", 3, float.PositiveInfinity));
        Refusal.OfExport(models, "Get-Checkpoint ./ft1,./inf-linear | Invoke-Merge linear", "NonFiniteInput",
            ErrorCategory.InvalidData, model.WeightFile, "tensor 'model.norm.weight'", "element 3 is +Inf");
    }

    [Fact]
    public void A_negative_infinity_in_a_tensor_copied_byte_for_byte_is_refused()
    {
        var model = WithValues(models.Base, "inf-copy", ("lm_head.weight", 64, float.NegativeInfinity));
        Refusal.OfExport(models, "Get-Checkpoint ./inf-copy", "NonFiniteInput",
            ErrorCategory.InvalidData, model.WeightFile, "tensor 'lm_head.weight'", "element 64 [1, 0] is -Inf");
    }

    [Fact]
    public void A_NaN_in_a_float32_checkpoint_converted_to_bfloat16_is_refused_with_its_bits()
    {
        Generated("f32-source", LlamaShape.Tiny, DType.F32, fineTuneSeed: null);
        var model = WithValues(models.Output("f32-source"), "nan-f32", (Embedding, 100, BitConverter.UInt32BitsToSingle(0x7FC0_0001)));
        string output = "nan-f32-out";
        Refusal.Of(models, $"Get-Checkpoint ./nan-f32 | Export-Checkpoint ./{output} -DType BF16", output, "NonFiniteInput",
            ErrorCategory.InvalidData, model.WeightFile, $"tensor '{Embedding}'", "element 100 [1, 36] is NaN (bits 0x7FC00001)");
    }

    [Fact]
    public void An_infinity_in_a_float16_fine_tune_is_refused()
    {
        Generated("f16-ft1", LlamaShape.Tiny, DType.F16, fineTuneSeed: 1);
        Generated("f16-ft2", LlamaShape.Tiny, DType.F16, fineTuneSeed: 2);
        var model = WithValues(models.Output("f16-ft2"), "inf-f16", (DownProjection, 0, float.PositiveInfinity));
        Refusal.OfExport(models, "Get-Checkpoint ./f16-ft1,./inf-f16 | Invoke-Merge linear", "NonFiniteInput",
            ErrorCategory.InvalidData, model.WeightFile, $"tensor '{DownProjection}'", "element 0 [0, 0] is +Inf");
    }

    [Fact]
    public void Of_several_across_chunks_read_on_several_threads_the_error_names_the_lowest_index()
    {
        // 4096 × 64 embedding rows: four grid chunks, so the bad ones fall in chunks 1 and 3.
        var shape = LlamaShape.Tiny with { Vocab = 4096 };
        Generated("big-vocab-ft1", shape, DType.BF16, fineTuneSeed: 1);
        Generated("big-vocab-ft2", shape, DType.BF16, fineTuneSeed: 2);
        var model = WithValues(models.Output("big-vocab-ft2"), "spread",
            (Embedding, 200_000, QuietNaN), (Embedding, 70_000, float.PositiveInfinity), (Embedding, 250_000, float.NegativeInfinity));
        Refusal.OfExport(models, "Get-Checkpoint ./big-vocab-ft1,./spread | Invoke-Merge linear", "NonFiniteInput",
            ErrorCategory.InvalidData, model.WeightFile, $"tensor '{Embedding}'", "element 70000 [1093, 48] is +Inf");
    }

    [Fact]
    public void Allowed_they_are_merged_as_they_are_with_one_warning_per_input_tensor()
    {
        var model = WithValues(models.FineTuned1, "allowed-ft",
            (QueryProjection, 5, QuietNaN), (QueryProjection, 9, float.PositiveInfinity), ("model.norm.weight", 0, float.NegativeInfinity));
        using var session = new PowerShellSession(models.Root);
        var (run, warnings) = RunWithWarnings(session, "Get-Checkpoint ./allowed-ft,./ft2 | Invoke-Merge linear | Export-Checkpoint ./allowed-out -AllowNonFinite");
        Assert.Empty(run.Errors);
        Assert.Equal(new[]
        {
            $"{model.WeightFile}: tensor 'model.layers.0.self_attn.q_proj.weight': 2 non-finite values (1 NaN, 1 infinite), the first at element 5 [0, 5]; merged as they are (-AllowNonFinite).",
            $"{model.WeightFile}: tensor 'model.norm.weight': 1 non-finite value (0 NaN, 1 infinite), the first at element 0; merged as they are (-AllowNonFinite).",
        }, warnings.Where(w => w.Contains("non-finite", StringComparison.Ordinal)).Order(StringComparer.Ordinal));

        Assert.Empty(session.Run("Get-Checkpoint ./ft1,./ft2 | Invoke-Merge linear | Export-Checkpoint ./allowed-clean").Errors);
        var merged = SafetensorsCheckpoint.Open(models.Output("allowed-out"));
        var clean = SafetensorsCheckpoint.Open(models.Output("allowed-clean"));
        foreach (var tensor in clean.Tensors.Where(t => t.Name is not QueryProjection and not "model.norm.weight"))
            Assert.Equal(StoredValues.Bytes(clean, tensor.Name), StoredValues.Bytes(merged, tensor.Name));
        var query = StoredValues.Floats(merged, QueryProjection);
        var cleanQuery = StoredValues.Floats(clean, QueryProjection);
        Assert.True(float.IsNaN(query[5]));
        Assert.Equal(float.PositiveInfinity, query[9]);
        for (int i = 0; i < query.Length; i++)
            if (i is not 5 and not 9) Assert.Equal(BitConverter.SingleToUInt32Bits(cleanQuery[i]), BitConverter.SingleToUInt32Bits(query[i]));
        Assert.Equal(float.NegativeInfinity, StoredValues.Floats(merged, "model.norm.weight")[0]);
    }

    [Fact]
    public void Allowed_a_base_element_is_counted_once_however_many_plans_read_it()
    {
        var model = WithValues(models.Base, "allowed-base", (QueryProjection, 70, QuietNaN));
        using var session = new PowerShellSession(models.Root);
        var (run, warnings) = RunWithWarnings(session,
            "Get-Checkpoint ./allowed-base | Get-TaskVector ./ft1,./ft2 | Invoke-TiesMerge | Export-Checkpoint ./allowed-base-out -AllowNonFinite");
        Assert.Empty(run.Errors);
        var warning = Assert.Single(warnings, w => w.Contains("non-finite", StringComparison.Ordinal));
        Assert.StartsWith($"{model.WeightFile}: tensor '{QueryProjection}': 1 non-finite value (1 NaN, 0 infinite), the first at element 70 [1, 6]", warning);
        Assert.True(Directory.Exists(models.Output("allowed-base-out")));
    }

    [Fact]
    public void Allowed_a_byte_for_byte_copy_keeps_the_bytes_and_warns()
    {
        var model = WithValues(models.Base, "allowed-copy", ("lm_head.weight", 64, float.NegativeInfinity), ("lm_head.weight", 65, QuietNaN));
        using var session = new PowerShellSession(models.Root);
        var (run, warnings) = RunWithWarnings(session, "Get-Checkpoint ./allowed-copy | Export-Checkpoint ./allowed-copy-out -AllowNonFinite");
        Assert.Empty(run.Errors);
        var warning = Assert.Single(warnings);
        Assert.Contains("tensor 'lm_head.weight': 2 non-finite values (1 NaN, 1 infinite), the first at element 64 [1, 0]", warning);
        StoredValues.AssertSameCheckpoint(model.Folder, models.Output("allowed-copy-out"));
    }

    [Fact]
    public void An_infinite_attention_mask_constant_is_carried_unchanged_not_refused()
    {
        const string mask = "model.layers.0.self_attn.masked_bias";
        DamagedCheckpoint.CopyOf(models.FineTuned1, models.Output("masked")).AddTensor(mask, DType.F32, [], BitConverter.GetBytes(float.NegativeInfinity));
        using var session = new PowerShellSession(models.Root);
        var (run, warnings) = RunWithWarnings(session, "Get-Checkpoint ./masked,./ft2 | Invoke-Merge linear | Export-Checkpoint ./masked-out");
        Assert.Empty(run.Errors);
        Assert.DoesNotContain(warnings, w => w.Contains("non-finite", StringComparison.Ordinal));
        Assert.Equal(float.NegativeInfinity, StoredValues.Floats(SafetensorsCheckpoint.Open(models.Output("masked-out")), mask)[0]);
    }
}
