using System.Runtime.InteropServices;
using ModelMerge.Formats;
using ModelMerge.Formats.Folders;
using ModelMerge.Formats.Safetensors;
using ModelMerge.PipelineTests.Support;

namespace ModelMerge.PipelineTests;

/// <summary>Tensors no method computes on (integer buffers) leave a merge exactly as the base had them; F64 ones merge like any float.</summary>
public sealed class CarryThroughTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "mm-carry-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public void Integer_tensors_keep_the_base_bytes_while_float_tensors_f64_included_merge()
    {
        Write("base", weights: [0.5f, -0.25f, 1f, 2f], statistics: [1.5, -2.25], counts: [7, 8, 9]);
        Write("ft", weights: [0.75f, -0.25f, 0.5f, 2.5f], statistics: [99.0, 98.0], counts: [1, 2, 3]);

        using var session = new PowerShellSession(_root);
        var result = session.Run("Get-Checkpoint ./base | Get-TaskVector ./ft | Invoke-TaskArithmetic -Lambda 0.5 | Export-Checkpoint ./out");
        Assert.Empty(result.Errors);

        var output = SafetensorsCheckpoint.Open(Path.Combine(_root, "out"));
        var original = SafetensorsCheckpoint.Open(Path.Combine(_root, "base"));
        Assert.Equal(StoredValues.Bytes(original, "num_batches"), StoredValues.Bytes(output, "num_batches"));
        Assert.Equal(DType.F64, output.Find("running_mean")!.DType);
        // F64 is widened from float32, so the merge is float32-precise: 1.5 + 0.5·97.5, −2.25 + 0.5·100.25, both exact.
        Assert.Equal([50.25, 47.875], MemoryMarshal.Cast<byte, double>(StoredValues.Bytes(output, "running_mean")).ToArray());
        // base + 0.5·(ft − base), each exact in binary.
        Assert.Equal([0.625f, -0.25f, 0.75f, 2.25f], StoredValues.Floats(output, "weight"));
    }

    private void Write(string name, float[] weights, double[] statistics, long[] counts)
    {
        string folder = Directory.CreateDirectory(Path.Combine(_root, name)).FullName;
        OutputTensor[] tensors =
        [
            new("weight", DType.F32, [2, 2]),
            new("running_mean", DType.F64, [statistics.Length]),
            new("num_batches", DType.I64, [counts.Length]),
        ];
        using var writer = new CheckpointWriter(folder, ShardPlan.Create(tensors, long.MaxValue), new Dictionary<string, string>());
        writer.BeginTensor("weight");
        writer.Write(MemoryMarshal.AsBytes<float>(weights));
        writer.BeginTensor("running_mean");
        writer.Write(MemoryMarshal.AsBytes<double>(statistics));
        writer.BeginTensor("num_batches");
        writer.Write(MemoryMarshal.AsBytes<long>(counts));
        writer.Complete();
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
