using System.Runtime.InteropServices;
using ModelMerge.Formats;
using ModelMerge.Formats.Folders;
using ModelMerge.Formats.Safetensors;

namespace ModelMerge.Tests.Methods.Support;

/// <summary>One tensor of a checkpoint a test writes: float32 values in row-major order.</summary>
internal sealed record TensorValues(string Name, long[] Shape, float[] Values)
{
    public TensorValues(string name, float[] values) : this(name, [values.Length], values) { }
}

/// <summary>Writes small F32 checkpoints with the library's writer and reads any checkpoint back element by element.</summary>
internal static class SafetensorsFiles
{
    public static string WriteF32(string folder, IReadOnlyList<TensorValues> tensors)
    {
        Directory.CreateDirectory(folder);
        var outputs = tensors.Select(t => new OutputTensor(t.Name, DType.F32, t.Shape)).ToList();
        var plan = ShardPlan.Create(outputs, ShardPlan.DefaultMaxShardBytes);
        using var writer = new CheckpointWriter(folder, plan, new Dictionary<string, string> { ["format"] = "pt" });
        foreach (var tensor in tensors)
        {
            writer.BeginTensor(tensor.Name);
            writer.Write(MemoryMarshal.AsBytes(tensor.Values.AsSpan()));
        }
        writer.Complete();
        return folder;
    }

    /// <summary>Every floating-point tensor, widened to float32, by name.</summary>
    public static Dictionary<string, float[]> ReadSingles(string checkpoint)
    {
        var result = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var info in SafetensorsCheckpoint.Open(checkpoint).Tensors.Where(t => t.DType.IsMergeable()))
        {
            using var reader = TensorReader.Open(info);
            var values = new float[info.ElementCount];
            reader.ReadSingles(0, values);
            result[info.Name] = values;
        }
        return result;
    }

    /// <summary>Every tensor's stored bf16 bit patterns, by name; fails on any other type.</summary>
    public static Dictionary<string, ushort[]> ReadBFloat16Bits(string checkpoint)
    {
        var result = new Dictionary<string, ushort[]>(StringComparer.Ordinal);
        foreach (var info in SafetensorsCheckpoint.Open(checkpoint).Tensors)
        {
            Assert.Equal(DType.BF16, info.DType);
            using var reader = TensorReader.Open(info);
            var bytes = new byte[info.ByteLength];
            reader.Read(0, bytes);
            result[info.Name] = MemoryMarshal.Cast<byte, ushort>(bytes).ToArray();
        }
        return result;
    }

    /// <summary>The weight files' bytes, file by file in name order (for byte-identity checks).</summary>
    public static byte[][] WeightFileBytes(string checkpoint) =>
        Directory.GetFiles(checkpoint, "*.safetensors").Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();
}
