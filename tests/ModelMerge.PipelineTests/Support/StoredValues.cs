using ModelMerge.Formats;
using ModelMerge.Formats.Folders;
using ModelMerge.Formats.Safetensors;

namespace ModelMerge.PipelineTests.Support;

/// <summary>Reads whole tensors back from written folders, for comparisons.</summary>
public static class StoredValues
{
    public static float[] Floats(SafetensorsCheckpoint checkpoint, string tensor)
    {
        var info = checkpoint.Find(tensor) ?? throw new KeyNotFoundException(tensor);
        using var reader = TensorReader.Open(info);
        var values = new float[info.ElementCount];
        reader.ReadSingles(0, values);
        return values;
    }

    public static byte[] Bytes(SafetensorsCheckpoint checkpoint, string tensor)
    {
        var info = checkpoint.Find(tensor) ?? throw new KeyNotFoundException(tensor);
        using var reader = TensorReader.Open(info);
        var bytes = new byte[info.ByteLength];
        reader.Read(0, bytes);
        return bytes;
    }

    /// <summary>Every tensor's name, dtype, shape and bytes, in order: equal digests mean equal checkpoints.</summary>
    public static IReadOnlyList<(string Name, DType DType, string Shape, byte[] Bytes)> All(string folder)
    {
        var checkpoint = SafetensorsCheckpoint.Open(folder);
        return checkpoint.Tensors.Select(t => (t.Name, t.DType, t.ShapeText, Bytes(checkpoint, t.Name))).ToList();
    }

    public static void AssertSameCheckpoint(string expectedFolder, string actualFolder)
    {
        var expected = All(expectedFolder);
        var actual = All(actualFolder);
        Assert.Equal(expected.Select(t => t.Name), actual.Select(t => t.Name));
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].DType, actual[i].DType);
            Assert.Equal(expected[i].Shape, actual[i].Shape);
            Assert.True(expected[i].Bytes.AsSpan().SequenceEqual(actual[i].Bytes), $"tensor {expected[i].Name} differs");
        }
    }
}
