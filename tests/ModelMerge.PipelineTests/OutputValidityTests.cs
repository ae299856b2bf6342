using System.Management.Automation;
using System.Runtime.InteropServices;
using ModelMerge.Formats;
using ModelMerge.Formats.Numerics;
using ModelMerge.Formats.Safetensors;
using ModelMerge.PipelineTests.Support;

namespace ModelMerge.PipelineTests;

/// <summary>
/// An export never writes what the module refuses to read: a value it rounds to ±∞ (a BF16 1e5
/// written as F16, λ = 1e38) is NonFiniteOutput unless -AllowNonFinite, and a header over the
/// readers' cap is OutputHeaderTooLarge; the base's metadata goes into the first shard only.
/// </summary>
public sealed class OutputValidityTests : IClassFixture<ModelFolders>
{
    private readonly ModelFolders _models;

    public OutputValidityTests(ModelFolders models) => _models = models;

    private string Write(string name, IReadOnlyDictionary<string, string> metadata, params (string Name, DType DType, float[] Values)[] tensors)
    {
        string folder = Directory.CreateDirectory(_models.Output(name)).FullName;
        var outputs = tensors.Select(t => new OutputTensor(t.Name, t.DType, [t.Values.Length])).ToArray();
        using var writer = new CheckpointWriter(folder, ShardPlan.Create(outputs, long.MaxValue), metadata);
        foreach (var (tensor, outputTensor) in tensors.Zip(outputs))
        {
            writer.BeginTensor(tensor.Name);
            var bytes = new byte[outputTensor.ByteLength];
            ElementConversion.FromSingle(tensor.DType, tensor.Values, bytes);
            writer.Write(bytes);
        }
        writer.Complete();
        return folder;
    }

    private static readonly Dictionary<string, string> Pt = new() { ["format"] = "pt" };

    [Fact]
    public void A_bf16_value_past_f16s_range_is_refused_naming_the_tensor_the_element_and_its_value()
    {
        var values = Enumerable.Range(0, 300).Select(i => i * 0.5f).ToArray();
        values[170] = 100352f; // 1e5 rounded to bf16
        Write("wide-bf16", Pt, ("model.norm.weight", DType.BF16, values));

        Refusal.Of(_models, "Get-Checkpoint ./wide-bf16 | Export-Checkpoint ./wide-f16 -DType F16", "wide-f16", "NonFiniteOutput", ErrorCategory.InvalidData,
            "'model.norm.weight'", "element 170", "100352", "+Inf", "-AllowNonFinite");
    }

    [Fact]
    public void A_lambda_that_overflows_is_refused_and_nothing_is_written()
    {
        Refusal.OfExport(_models, "Get-Checkpoint ./base | Get-TaskVector ./ft1 -Weight 1000 | Invoke-TaskArithmetic -Lambda 1e38", "NonFiniteOutput",
            ErrorCategory.InvalidData, "-AllowNonFinite");
    }

    [Fact]
    public void AllowNonFinite_writes_the_infinity_as_asked()
    {
        var values = new[] { 1f, 100352f, -100352f };
        Write("wide-allowed", Pt, ("model.norm.weight", DType.BF16, values));
        using var session = new PowerShellSession(_models.Root);

        var result = session.Run("Get-Checkpoint ./wide-allowed | Export-Checkpoint ./wide-allowed-out -DType F16 -AllowNonFinite");

        Assert.Empty(result.Errors);
        var written = StoredValues.Floats(Formats.Folders.SafetensorsCheckpoint.Open(_models.Output("wide-allowed-out")), "model.norm.weight");
        Assert.Equal([1f, float.PositiveInfinity, float.NegativeInfinity], written);
    }

    [Fact]
    public void The_bases_metadata_goes_into_the_first_shard_only()
    {
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["notes"] = new string('n', 20_000) };
        Write("noted", metadata, ("a.weight", DType.F32, [1f, 2f]), ("b.weight", DType.F32, [3f, 4f]), ("c.weight", DType.F32, [5f, 6f]));
        using var session = new PowerShellSession(_models.Root);

        Assert.Empty(session.Run("Get-Checkpoint ./noted | Export-Checkpoint ./noted-out -MaxShardSize 1").Errors);

        var shards = Directory.GetFiles(_models.Output("noted-out"), "model-*.safetensors").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(3, shards.Length);
        Assert.Equal(metadata, SafetensorsHeader.Read(shards[0]).Metadata);
        Assert.All(shards.Skip(1), shard => Assert.Equal(Pt, SafetensorsHeader.Read(shard).Metadata));
    }

    [Fact]
    public void An_input_header_at_the_cap_gives_OutputHeaderTooLarge_rather_than_a_file_no_reader_opens()
    {
        // Metadata without "format" that fills the header to the cap: the export adds "format": "pt".
        (string, DType, IReadOnlyList<long>, long, long)[] entries = [("model.norm.weight", DType.F32, [2], 0, 8)];
        int fill = (int)SafetensorsHeader.MaxHeaderBytes - SafetensorsHeader.Serialize(entries, new Dictionary<string, string> { ["notes"] = "" }).Length;
        var metadata = new Dictionary<string, string> { ["notes"] = new string('n', fill) };
        Assert.Equal(SafetensorsHeader.MaxHeaderBytes, SafetensorsHeader.Serialize(entries, metadata).Length);
        Write("at-cap", metadata, ("model.norm.weight", DType.F32, [1f, 2f]));

        Refusal.OfExport(_models, "Get-Checkpoint ./at-cap", "OutputHeaderTooLarge", ErrorCategory.LimitsExceeded, "100,000,000");
    }
}
