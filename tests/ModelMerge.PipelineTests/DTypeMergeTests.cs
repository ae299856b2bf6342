using System.Management.Automation;
using System.Runtime.InteropServices;
using ModelMerge.Formats;
using ModelMerge.Formats.Folders;
using ModelMerge.Formats.Numerics;
using ModelMerge.Formats.Safetensors;
using ModelMerge.PipelineTests.Support;
using ModelMerge.TestData;

namespace ModelMerge.PipelineTests;

/// <summary>
/// Every floating-point type merges (F64 and both 8-bit floats too), so no float tensor is carried
/// from the base while the card says it was merged; float types may differ between models, and an
/// integer or boolean tensor of another type than the base's is refused while the pipeline is built.
/// </summary>
public sealed class DTypeMergeTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "mm-dtypes-" + Guid.NewGuid().ToString("N")[..8]);

    public DTypeMergeTests() => Directory.CreateDirectory(_root);

    private void Generate(string prefix, DType dtype)
    {
        LlamaCheckpointGenerator.Write(Path.Combine(_root, prefix + "base"), new GeneratedModel(LlamaShape.Tiny, dtype, BaseSeed: 1));
        LlamaCheckpointGenerator.Write(Path.Combine(_root, prefix + "ft1"), new GeneratedModel(LlamaShape.Tiny, dtype, BaseSeed: 1, FineTuneSeed: 1));
        LlamaCheckpointGenerator.Write(Path.Combine(_root, prefix + "ft2"), new GeneratedModel(LlamaShape.Tiny, dtype, BaseSeed: 1, FineTuneSeed: 2));
    }

    private PowerShellSession.Result Run(string script)
    {
        using var session = new PowerShellSession(_root);
        return session.Run(script);
    }

    private static string Ties(string prefix, string output, string export = "") =>
        $"Get-Checkpoint ./{prefix}base | Get-TaskVector ./{prefix}ft1,./{prefix}ft2 | Invoke-TiesMerge -Density 0.5 | Export-Checkpoint ./{output} {export}";

    /// <summary>Tensors of <paramref name="folder"/> whose bytes differ from the base's: a merge that carried the base changes none.</summary>
    private int ChangedFromBase(string folder, string baseFolder) =>
        StoredValues.All(Path.Combine(_root, folder)).Zip(StoredValues.All(Path.Combine(_root, baseFolder))).Count(p => !p.First.Bytes.SequenceEqual(p.Second.Bytes));

    [Fact]
    public void F64_models_merge_as_their_float32_twins_and_are_written_as_f64()
    {
        // The generator's values are float32 numbers, so the F64 models hold exactly the F32 models' values.
        Generate("d", DType.F64);
        Generate("s", DType.F32);
        Assert.Empty(Run(Ties("d", "out64")).Errors);
        Assert.Empty(Run(Ties("s", "out32")).Errors);

        var wide = SafetensorsCheckpoint.Open(Path.Combine(_root, "out64"));
        var single = SafetensorsCheckpoint.Open(Path.Combine(_root, "out32"));
        foreach (var tensor in wide.Tensors)
        {
            Assert.Equal(DType.F64, tensor.DType);
            var expected = StoredValues.Floats(single, tensor.Name).Select(v => (double)v).ToArray();
            Assert.Equal(expected, MemoryMarshal.Cast<byte, double>(StoredValues.Bytes(wide, tensor.Name)).ToArray());
        }
        Assert.True(ChangedFromBase("out64", "dbase") > 10);
    }

    [Theory]
    [InlineData(DType.F8_E4M3)]
    [InlineData(DType.F8_E5M2)]
    public void F8_models_merge_and_are_written_as_the_float32_result_rounded_to_nearest_even(DType dtype)
    {
        Generate("q", dtype);
        Assert.Empty(Run(Ties("q", "out8")).Errors);
        Assert.Empty(Run(Ties("q", "out32", "-DType F32")).Errors);

        var narrow = SafetensorsCheckpoint.Open(Path.Combine(_root, "out8"));
        var single = SafetensorsCheckpoint.Open(Path.Combine(_root, "out32"));
        foreach (var tensor in narrow.Tensors)
        {
            Assert.Equal(dtype, tensor.DType);
            var expected = StoredValues.Floats(single, tensor.Name).Select(v => Float8Conversion.FromSingle(dtype, v)).ToArray();
            Assert.Equal(expected, StoredValues.Bytes(narrow, tensor.Name));
        }
        Assert.True(ChangedFromBase("out8", "qbase") > 5);
    }

    private void Write(string name, params (string Name, DType DType)[] tensors)
    {
        string folder = Directory.CreateDirectory(Path.Combine(_root, name)).FullName;
        var outputs = tensors.Select(t => new OutputTensor(t.Name, t.DType, [2, 2])).ToArray();
        using var writer = new CheckpointWriter(folder, ShardPlan.Create(outputs, long.MaxValue), new Dictionary<string, string> { ["format"] = "pt" });
        foreach (var tensor in outputs)
        {
            writer.BeginTensor(tensor.Name);
            var values = new float[] { 0.5f, -0.25f, name.Length, 2f };
            var bytes = new byte[tensor.ByteLength];
            if (tensor.DType.IsMergeable()) ElementConversion.FromSingle(tensor.DType, values, bytes);
            else for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)(i % tensor.DType.SizeOf() == 0 ? 1 : 0);
            writer.Write(bytes);
        }
        writer.Complete();
    }

    [Theory]
    [InlineData(DType.I32)]
    [InlineData(DType.Bool)]
    public void A_fine_tune_tensor_of_an_integer_or_boolean_type_against_a_float_base_is_refused_while_building(DType fineTuned)
    {
        Write("base", ("weight", DType.F32), ("other", DType.F32));
        Write("ft", ("weight", fineTuned), ("other", DType.F32));

        var result = Run("Get-Checkpoint ./base | Get-TaskVector ./ft");

        AssertMismatch(result, "weight", "F32", fineTuned.ToHeaderName(), "'base'", "'ft'");
    }

    [Fact]
    public void An_integer_base_tensor_with_float_fine_tunes_is_refused_not_carried()
    {
        Write("base", ("weight", DType.F32), ("counts", DType.I32));
        Write("ft1", ("weight", DType.F32), ("counts", DType.F32));
        Write("ft2", ("weight", DType.F32), ("counts", DType.F32));

        AssertMismatch(Run("Get-Checkpoint ./ft1,./ft2 | Invoke-Merge ties -Base ./base"), "counts", "I32", "F32");
        AssertMismatch(Run("Get-Checkpoint ./base,./ft1 | Invoke-LinearMerge"), "counts", "I32", "F32");
    }

    [Fact]
    public void Integer_tensors_of_different_types_are_refused()
    {
        Write("base", ("weight", DType.F32), ("counts", DType.I32));
        Write("ft", ("weight", DType.F32), ("counts", DType.I64));

        AssertMismatch(Run("Get-Checkpoint ./base | Get-TaskVector ./ft"), "counts", "I32", "I64");
    }

    [Fact]
    public void Float_types_may_differ_between_models_and_still_merge()
    {
        Write("base", ("weight", DType.BF16), ("other", DType.F32));
        Write("ft", ("weight", DType.F32), ("other", DType.F64));

        var result = Run("Get-Checkpoint ./base | Get-TaskVector ./ft | Invoke-TaskArithmetic | Export-Checkpoint ./out");

        Assert.Empty(result.Errors);
        var output = SafetensorsCheckpoint.Open(Path.Combine(_root, "out"));
        // base + (ft − base) = ft: element 2 is the folder name's length, 2 in "ft" against 4 in "base".
        Assert.Equal([0.5f, -0.25f, 2f, 2f], StoredValues.Floats(output, "weight"));
        Assert.Equal([0.5f, -0.25f, 2f, 2f], StoredValues.Floats(output, "other"));
    }

    private static void AssertMismatch(PowerShellSession.Result result, string tensor, params string[] fragments)
    {
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("TensorDTypeMismatch,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Contains($"'{tensor}'", error.Exception.Message);
        foreach (var fragment in fragments) Assert.Contains(fragment, error.Exception.Message);
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
