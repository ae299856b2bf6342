using System.Buffers.Binary;
using ModelMerge.Formats;
using ModelMerge.Formats.Safetensors;
using ModelMerge.Fuzz.Harness;

namespace ModelMerge.Fuzz.Targets;

/// <summary>
/// <see cref="SafetensorsHeader.Parse"/> on generated header JSON, and for one case in eight
/// <see cref="SafetensorsHeader.Read"/> on a whole file image (length field, header, data)
/// written over one reused file. Documented failure: <see cref="CheckpointFormatException"/>
/// with an id of <see cref="SafetensorsErrors"/>. A header that parses must describe tensors
/// that tile the data section exactly.
/// </summary>
public sealed class SafetensorsHeaderTarget : FuzzTarget
{
    public const string TargetName = "safetensors-header";
    private const string InMemoryPath = "fuzz.safetensors";

    private static readonly IReadOnlySet<string> Ids = ErrorIds.Declared(typeof(SafetensorsErrors));

    private readonly FuzzFolder _folder = new("header");
    private readonly string _file;

    public SafetensorsHeaderTarget() => _file = _folder.Combine("case.safetensors");

    public override string Name => TargetName;

    public override FuzzCase Prepare(Random random)
    {
        if (random.Next(8) == 0)
        {
            byte[] image = SafetensorsHeaderGenerator.FileImage(random);
            File.WriteAllBytes(_file, image);
            return new FuzzCase(image, ".safetensors", () =>
            {
                var header = SafetensorsHeader.Read(_file);
                int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(image);
                Check(header, image.Length, headerLength, _file);
            });
        }

        var (json, dataLength) = SafetensorsHeaderGenerator.Generate(random);
        long fileLength = 8 + json.Length + dataLength;
        return new FuzzCase(json, ".json", () => Check(SafetensorsHeader.Parse(json, fileLength, InMemoryPath), fileLength, json.Length, InMemoryPath),
            note: $"SafetensorsHeader.Parse(<this file>, fileLength: {fileLength}, \"{InMemoryPath}\")");
    }

    public override string? Undocumented(Exception exception) => exception switch
    {
        CheckpointFormatException { ErrorId: var id } when !Ids.Contains(id) => $"error id '{id}' is not one of SafetensorsErrors",
        CheckpointFormatException ex when ex.Path != InMemoryPath && ex.Path != _file => $"the error names '{ex.Path}', not the file",
        CheckpointFormatException => null,
        _ => $"{exception.GetType().Name} is not the documented CheckpointFormatException",
    };

    /// <summary>What a header that parses promises: tensors in data order, back to back, covering the data section.</summary>
    private static void Check(SafetensorsHeader header, long fileLength, int headerLength, string path)
    {
        InvariantViolation.Check(header.DataStart == 8 + headerLength, $"DataStart: {header.DataStart} for a {headerLength}-byte header");
        long expected = header.DataStart;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tensor in header.Tensors)
        {
            InvariantViolation.Check(names.Add(tensor.Name) && tensor.Name != "__metadata__", $"tensor names: '{tensor.Name}' twice or reserved");
            InvariantViolation.Check(tensor.FileOffset == expected, $"tiling: '{tensor.Name}' starts at {tensor.FileOffset}, expected {expected}");
            InvariantViolation.Check(tensor.ByteLength == tensor.ElementCount * tensor.DType.SizeOf(), $"byte length: '{tensor.Name}' spans {tensor.ByteLength} bytes for {tensor.ElementCount} elements");
            InvariantViolation.Check(tensor.FilePath == path, $"file path: '{tensor.Name}' names '{tensor.FilePath}'");
            expected += tensor.ByteLength;
        }
        InvariantViolation.Check(expected == fileLength, $"coverage: tensors end at {expected}, the file at {fileLength}");
    }

    public override void Dispose()
    {
        _folder.Dispose();
        base.Dispose();
    }
}
