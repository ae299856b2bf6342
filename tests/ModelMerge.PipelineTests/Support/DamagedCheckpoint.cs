using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using ModelMerge.Formats;
using ModelMerge.Formats.Numerics;
using ModelMerge.TestData;

namespace ModelMerge.PipelineTests.Support;

/// <summary>
/// A copy of a generated model folder with one thing wrong, the way a cut download, a buggy
/// converter or a hostile upload leaves it: the weight file cut short, its header edited, a
/// value overwritten. The copy is damaged; the generated model it came from stays sound.
/// </summary>
public sealed class DamagedCheckpoint
{
    private DamagedCheckpoint(string folder) => Folder = folder;

    public string Folder { get; }

    /// <summary>The folder's single weight file.</summary>
    public string WeightFile => Path.Combine(Folder, "model.safetensors");

    /// <summary>Damages <paramref name="folder"/> itself, for a model a test has just generated there.</summary>
    public static DamagedCheckpoint At(string folder) => new(folder);

    public static DamagedCheckpoint CopyOf(string sourceFolder, string folder)
    {
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.EnumerateFiles(sourceFolder))
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)), overwrite: true);
        return new DamagedCheckpoint(folder);
    }

    /// <summary>Keeps the first <paramref name="length"/> bytes of <paramref name="file"/> (the weight file by default).</summary>
    public DamagedCheckpoint Truncate(long length, string? file = null)
    {
        using var stream = new FileStream(file ?? WeightFile, FileMode.Open, FileAccess.Write);
        stream.SetLength(length);
        return this;
    }

    /// <summary>The header as JSON and the data section's bytes.</summary>
    public static (JsonObject Header, byte[] Data) Read(string weightFile)
    {
        byte[] bytes = File.ReadAllBytes(weightFile);
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = (JsonObject)JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, headerLength))!;
        return (header, bytes[(8 + headerLength)..]);
    }

    /// <summary>Rewrites the header (the data section stays as it was); <paramref name="declaredLength"/> makes the length field lie.</summary>
    public DamagedCheckpoint EditHeader(Action<JsonObject> edit, ulong? declaredLength = null, string? file = null)
    {
        var (header, data) = Read(file ?? WeightFile);
        edit(header);
        HandBuiltSafetensors.Write(file ?? WeightFile, header.ToJsonString(), data, declaredLength);
        return this;
    }

    /// <summary>Replaces the header with raw text, for damage JSON cannot express (a name twice, text that is not JSON).</summary>
    public DamagedCheckpoint ReplaceHeaderText(Func<string, string> edit)
    {
        var (header, data) = Read(WeightFile);
        HandBuiltSafetensors.Write(WeightFile, edit(header.ToJsonString()), data);
        return this;
    }

    /// <summary>Appends a tensor's bytes after the last one and declares it in the header.</summary>
    public DamagedCheckpoint AddTensor(string name, DType dtype, long[] shape, byte[] bytes, string? file = null)
    {
        string path = file ?? WeightFile;
        var (header, data) = Read(path);
        header[name] = new JsonObject
        {
            ["dtype"] = dtype.ToHeaderName(),
            ["shape"] = new JsonArray(shape.Select(d => (JsonNode)d).ToArray()),
            ["data_offsets"] = new JsonArray(data.Length, data.Length + bytes.Length),
        };
        HandBuiltSafetensors.Write(path, header.ToJsonString(), [.. data, .. bytes]);
        return this;
    }

    /// <summary>Drops a tensor from the header and its bytes from the data, moving the tensors after it down.</summary>
    public DamagedCheckpoint RemoveTensor(string name)
    {
        var (header, data) = Read(WeightFile);
        var (begin, end) = Offsets(header, name);
        header.Remove(name);
        foreach (var (_, entry) in header)
        {
            if (entry?["data_offsets"] is not JsonArray offsets || (long)offsets[0]! < end) continue;
            offsets[0] = (long)offsets[0]! - (end - begin);
            offsets[1] = (long)offsets[1]! - (end - begin);
        }
        HandBuiltSafetensors.Write(WeightFile, header.ToJsonString(), [.. data[..(int)begin], .. data[(int)end..]]);
        return this;
    }

    /// <summary>Puts <paramref name="count"/> stray bytes after a tensor's data, moving the tensors after it up so that only the gap is wrong.</summary>
    public DamagedCheckpoint OpenGapAfter(string name, int count)
    {
        var (header, data) = Read(WeightFile);
        var (_, end) = Offsets(header, name);
        foreach (var (_, entry) in header)
        {
            if (entry?["data_offsets"] is not JsonArray offsets || (long)offsets[0]! < end) continue;
            offsets[0] = (long)offsets[0]! + count;
            offsets[1] = (long)offsets[1]! + count;
        }
        HandBuiltSafetensors.Write(WeightFile, header.ToJsonString(), [.. data[..(int)end], .. new byte[count], .. data[(int)end..]]);
        return this;
    }

    /// <summary>The weight file's tensors in the order of their bytes.</summary>
    public IReadOnlyList<string> TensorsInDataOrder()
    {
        var (header, _) = Read(WeightFile);
        return header.Where(e => e.Key != "__metadata__").OrderBy(e => Offsets(header, e.Key).Begin).Select(e => e.Key).ToList();
    }

    /// <summary>Overwrites element <paramref name="index"/> of a float tensor with <paramref name="value"/> in the tensor's own type.</summary>
    public DamagedCheckpoint SetElement(string tensor, long index, float value)
    {
        var (header, _) = Read(WeightFile);
        var (begin, _) = Offsets(header, tensor);
        DTypeInfo.TryParseHeaderName((string)header[tensor]!["dtype"]!, out var dtype);
        byte[] bits = dtype switch
        {
            DType.BF16 => BitConverter.GetBytes(BFloat16Conversion.FromSingle(value)),
            DType.F16 => BitConverter.GetBytes((Half)value),
            _ => BitConverter.GetBytes(value),
        };
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(File.ReadAllBytes(WeightFile));
        using var stream = new FileStream(WeightFile, FileMode.Open, FileAccess.Write);
        stream.Position = 8 + headerLength + begin + index * bits.Length;
        stream.Write(bits);
        return this;
    }

    public static (long Begin, long End) Offsets(JsonObject header, string tensor)
    {
        var offsets = (JsonArray)header[tensor]!["data_offsets"]!;
        return ((long)offsets[0]!, (long)offsets[1]!);
    }
}
