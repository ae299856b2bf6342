using System.Management.Automation;
using System.Text.Json.Nodes;
using ModelMerge.PipelineTests.Support;

namespace ModelMerge.PipelineTests;

/// <summary>
/// Bad-input catalogue, weight files (16 cases). A copy of a sound generated model is damaged in
/// one way and used as a user would; each case expects one error with a stable id, its
/// category, a message naming the file (and the tensor when one is at fault) and saying why,
/// and no output or staging folder.
/// <list type="number">
/// <item>an empty weight file — SafetensorsTruncated</item>
/// <item>a file cut inside the data (an interrupted download) — SafetensorsOffsetsOutOfBounds</item>
/// <item>a header length beyond the end of the file — SafetensorsTruncated</item>
/// <item>a header length beyond the 100 MB cap — SafetensorsHeaderTooLarge</item>
/// <item>a header that is not JSON — SafetensorsHeaderNotJson</item>
/// <item>an entry without data_offsets — SafetensorsHeaderSchema</item>
/// <item>offsets that overlap the previous tensor — SafetensorsOffsetsOverlap</item>
/// <item>offsets out of order (begin after end) — SafetensorsHeaderSchema</item>
/// <item>offsets out of bounds — SafetensorsOffsetsOutOfBounds</item>
/// <item>offsets leaving a gap between tensors — SafetensorsOffsetsGap</item>
/// <item>trailing bytes that belong to no tensor — SafetensorsOffsetsGap</item>
/// <item>an unknown dtype — SafetensorsUnknownDType</item>
/// <item>shape × dtype size ≠ byte length — SafetensorsByteLengthMismatch</item>
/// <item>a tensor named twice in one header — SafetensorsDuplicateTensor</item>
/// <item>a file cut after Get-Checkpoint read its header, found by the export — SafetensorsTruncated</item>
/// <item>a folder holding PyTorch pickles instead of safetensors — CheckpointNoWeights</item>
/// </list>
/// </summary>
public sealed class BadInputCatalogueFileTests(ModelFolders models) : IClassFixture<ModelFolders>
{
    private const string Embedding = "model.embed_tokens.weight";

    private DamagedCheckpoint Damaged(string name) => DamagedCheckpoint.CopyOf(models.Base, models.Output(name));

    private PowerShellSession.Result Refused(DamagedCheckpoint model, string errorId, params string[] fragments) =>
        Refusal.OfExport(models, $"Get-Checkpoint ./{Path.GetFileName(model.Folder)}", errorId, ErrorCategory.InvalidData,
            [model.WeightFile, .. fragments]);

    [Fact]
    public void An_empty_weight_file_is_truncated()
    {
        var model = Damaged("empty-file").Truncate(0);
        Refused(model, "SafetensorsTruncated", "the file is 0 bytes");
    }

    [Fact]
    public void A_file_cut_inside_the_data_names_the_tensor_that_runs_past_its_end()
    {
        var model = Damaged("cut-data");
        model.Truncate(new FileInfo(model.WeightFile).Length - 1000);
        Refused(model, "SafetensorsOffsetsOutOfBounds", "tensor 'lm_head.weight'", "the file may be truncated");
    }

    [Fact]
    public void A_header_length_beyond_the_file_is_truncated()
    {
        var model = Damaged("long-header");
        model.EditHeader(_ => { }, declaredLength: (ulong)new FileInfo(model.WeightFile).Length);
        Refused(model, "SafetensorsTruncated", "the header claims");
    }

    [Fact]
    public void A_header_length_beyond_the_cap_is_refused_before_anything_is_allocated()
    {
        var model = Damaged("huge-header").EditHeader(_ => { }, declaredLength: 100_000_001);
        Refused(model, "SafetensorsHeaderTooLarge", "100000001", "the limit is 100000000");
    }

    [Fact]
    public void A_header_that_is_not_json_is_refused()
    {
        var model = Damaged("not-json").ReplaceHeaderText(json => json[..^1]);
        Refused(model, "SafetensorsHeaderNotJson", "JSON");
    }

    [Fact]
    public void An_entry_without_data_offsets_names_the_tensor()
    {
        var model = Damaged("no-offsets").EditHeader(h => ((JsonObject)h[Embedding]!).Remove("data_offsets"));
        Refused(model, "SafetensorsHeaderSchema", $"tensor '{Embedding}'", "needs dtype, shape and data_offsets");
    }

    [Fact]
    public void Offsets_that_overlap_the_previous_tensor_are_refused()
    {
        var model = Damaged("overlap");
        string third = model.TensorsInDataOrder()[2];
        model.EditHeader(h => Shift(h, third, -8));
        Refused(model, "SafetensorsOffsetsOverlap", $"tensor '{third}'", "inside the previous tensor's bytes");
    }

    [Fact]
    public void Offsets_out_of_order_are_refused()
    {
        var model = Damaged("reversed");
        model.EditHeader(h =>
        {
            var (begin, end) = DamagedCheckpoint.Offsets(h, Embedding);
            h[Embedding]!["data_offsets"] = new JsonArray(end, begin);
        });
        Refused(model, "SafetensorsHeaderSchema", $"tensor '{Embedding}'", "begin <= end");
    }

    [Fact]
    public void Offsets_out_of_bounds_are_refused()
    {
        var model = Damaged("out-of-bounds");
        model.EditHeader(h => Shift(h, Embedding, new FileInfo(model.WeightFile).Length));
        Refused(model, "SafetensorsOffsetsOutOfBounds", $"tensor '{Embedding}'", "run past the end of the data section");
    }

    [Fact]
    public void Offsets_leaving_a_gap_name_the_tensor_after_it()
    {
        var model = Damaged("gap");
        var order = model.TensorsInDataOrder();
        model.OpenGapAfter(order[0], 8);
        Refused(model, "SafetensorsOffsetsGap", $"tensor '{order[1]}'", "leaving 8 unclaimed bytes");
    }

    [Fact]
    public void Trailing_bytes_that_belong_to_no_tensor_are_refused()
    {
        var model = Damaged("trailing");
        File.AppendAllText(model.WeightFile, "extra bytes");
        Refused(model, "SafetensorsOffsetsGap", "trailing bytes belong to no tensor");
    }

    [Fact]
    public void An_unknown_dtype_is_refused_by_name()
    {
        var model = Damaged("unknown-dtype").EditHeader(h => h[Embedding]!["dtype"] = "F8_E8M0");
        Refused(model, "SafetensorsUnknownDType", $"tensor '{Embedding}'", "unknown dtype 'F8_E8M0'");
    }

    [Fact]
    public void A_shape_that_does_not_match_the_byte_length_is_refused()
    {
        var model = Damaged("wrong-shape").EditHeader(h => h[Embedding]!["shape"] = new JsonArray(255, 64));
        Refused(model, "SafetensorsByteLengthMismatch", $"tensor '{Embedding}'", "BF16 [255, 64] needs 32640");
    }

    [Fact]
    public void A_tensor_named_twice_in_one_header_is_refused()
    {
        var model = Damaged("named-twice");
        model.ReplaceHeaderText(json =>
        {
            var entry = JsonNode.Parse(json)![Embedding]!.ToJsonString();
            return json[..^1] + $",\"{Embedding}\":{entry}}}";
        });
        Refused(model, "SafetensorsDuplicateTensor", $"tensor '{Embedding}'", "names this tensor twice");
    }

    [Fact]
    public void A_file_cut_after_its_header_was_read_fails_the_export_and_leaves_nothing()
    {
        var model = Damaged("cut-later");
        using var session = new PowerShellSession(models.Root);
        Assert.Empty(session.Run("$later = Get-Checkpoint ./cut-later").Errors);
        model.Truncate(new FileInfo(model.WeightFile).Length / 2);

        var run = Refusal.Of(models, session, "$later | Export-Checkpoint ./cut-later-out", "cut-later-out", "InputChanged",
            ErrorCategory.InvalidData, model.WeightFile, "changed after its header was read");
        Assert.Equal(model.WeightFile, run.Errors[0].TargetObject);
    }

    [Fact]
    public void A_folder_of_PyTorch_pickles_says_to_convert_them()
    {
        string folder = models.Output("pickles");
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "pytorch_model.bin"), [0x80, 0x02]);
        File.Copy(Path.Combine(models.Base, "config.json"), Path.Combine(folder, "config.json"));
        Refusal.OfExport(models, "Get-Checkpoint ./pickles", "CheckpointNoWeights", ErrorCategory.ObjectNotFound,
            folder, "PyTorch pickle weights", "convert them to safetensors");
    }

    private static void Shift(JsonObject header, string tensor, long by)
    {
        var (begin, end) = DamagedCheckpoint.Offsets(header, tensor);
        header[tensor]!["data_offsets"] = new JsonArray(begin + by, end + by);
    }
}
