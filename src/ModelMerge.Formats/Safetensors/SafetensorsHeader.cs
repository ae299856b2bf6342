using System.Text.Json;
using ModelMerge.Formats.Files;

namespace ModelMerge.Formats.Safetensors;

/// <summary>
/// The parsed and validated header of one safetensors file. Validation is strict and complete
/// before any caller sees a tensor: a file that lies about its layout is refused, not half-read.
/// </summary>
public sealed class SafetensorsHeader
{
    /// <summary>
    /// Real headers are kilobytes to a few megabytes; the reference implementation caps them at
    /// 100 MB, and so do we, so that a hostile length cannot make us allocate gigabytes.
    /// </summary>
    public const long MaxHeaderBytes = 100_000_000;

    private SafetensorsHeader(IReadOnlyList<TensorInfo> tensors, IReadOnlyDictionary<string, string> metadata, long dataStart)
    {
        Tensors = tensors;
        Metadata = metadata;
        DataStart = dataStart;
    }

    /// <summary>Tensors in the order of their data in the file.</summary>
    public IReadOnlyList<TensorInfo> Tensors { get; }

    /// <summary>The header's <c>__metadata__</c> map (string to string), empty when absent.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>File offset of the first data byte (8 + header length).</summary>
    public long DataStart { get; }

    /// <summary>Reads and validates the header of <paramref name="path"/>; reads no tensor data.</summary>
    public static SafetensorsHeader Read(string path)
    {
        try
        {
            // A FIFO or a device named like a shard is refused before it is opened (opening a FIFO
            // blocks until someone writes to it); the data are mapped later, so only a regular file will do.
            var stamp = FileStamp.Of(path);
            using var file = RegularFile.Open(path, out long fileLength);
            if (fileLength < 8)
                throw Fail(SafetensorsErrors.Truncated, path, $"the file is {fileLength} bytes; a safetensors file starts with an 8-byte header length.");

            Span<byte> lengthBytes = stackalloc byte[8];
            RandomAccess.Read(file, lengthBytes, 0);
            ulong headerLength = BitConverter.ToUInt64(lengthBytes);
            if (headerLength > MaxHeaderBytes)
                throw Fail(SafetensorsErrors.HeaderTooLarge, path, $"the header claims {headerLength} bytes; the limit is {MaxHeaderBytes}.");
            if ((long)headerLength > fileLength - 8)
                throw Fail(SafetensorsErrors.Truncated, path, $"the header claims {headerLength} bytes but only {fileLength - 8} follow the length field.");

            var headerBytes = new byte[headerLength];
            RandomAccess.Read(file, headerBytes, 8);
            return Parse(headerBytes, fileLength, path, stamp.Length == fileLength ? stamp : FileStamp.Of(path));
        }
        catch (IOException ex)
        {
            throw new CheckpointFormatException(SafetensorsErrors.Unreadable, path, ex.Message, inner: ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new CheckpointFormatException(SafetensorsErrors.Unreadable, path, ex.Message, inner: ex);
        }
    }

    /// <summary>Parses header JSON that sat in a file of <paramref name="fileLength"/> bytes.</summary>
    /// <param name="stamp">The file's stamp when it was opened, recorded in every tensor so later reads can tell whether it changed.</param>
    public static SafetensorsHeader Parse(ReadOnlySpan<byte> headerJson, long fileLength, string path, FileStamp? stamp = null)
    {
        long dataStart = 8 + headerJson.Length;
        long dataLength = fileLength - dataStart;
        var (entries, metadata) = ParseJson(headerJson, path);

        var tensors = new List<TensorInfo>(entries.Count);
        foreach (var entry in entries)
        {
            long elements;
            try { elements = ShapeMath.ElementCount(entry.Shape); }
            catch (OverflowException) { throw Fail(SafetensorsErrors.ByteLengthMismatch, path, "the shape's element count overflows.", entry.Name); }
            long expected;
            try { expected = checked(elements * entry.DType.SizeOf()); }
            catch (OverflowException) { throw Fail(SafetensorsErrors.ByteLengthMismatch, path, "the shape's byte length overflows.", entry.Name); }
            long actual = entry.End - entry.Begin;
            if (actual != expected)
                throw Fail(SafetensorsErrors.ByteLengthMismatch, path,
                    $"data_offsets span {actual} bytes but {entry.DType.ToHeaderName()} {ShapeMath.Format(entry.Shape)} needs {expected}.", entry.Name);
            if (entry.End > dataLength)
                throw Fail(SafetensorsErrors.OffsetsOutOfBounds, path,
                    $"data_offsets [{entry.Begin}, {entry.End}] run past the end of the data section ({dataLength} bytes); the file may be truncated.", entry.Name);
            tensors.Add(new TensorInfo(entry.Name, entry.DType, entry.Shape, path, dataStart + entry.Begin, actual) { Stamp = stamp });
        }

        // Sort by (begin, end) like the reference reader: an empty tensor shares its offset with
        // the next one and must come first, whatever order the header lists them in.
        tensors.Sort((a, b) => a.FileOffset != b.FileOffset ? a.FileOffset.CompareTo(b.FileOffset) : a.ByteLength.CompareTo(b.ByteLength));
        CheckContiguous(tensors, dataStart, dataLength, path);
        return new SafetensorsHeader(tensors, metadata, dataStart);
    }

    /// <summary>The data section must be exactly the tensors, back to back from offset 0.</summary>
    private static void CheckContiguous(List<TensorInfo> sorted, long dataStart, long dataLength, string path)
    {
        long expectedStart = dataStart;
        foreach (var tensor in sorted)
        {
            if (tensor.FileOffset < expectedStart)
                throw Fail(SafetensorsErrors.OffsetsOverlap, path,
                    $"its data starts at {tensor.FileOffset - dataStart}, inside the previous tensor's bytes (which end at {expectedStart - dataStart}).", tensor.Name);
            if (tensor.FileOffset > expectedStart)
                throw Fail(SafetensorsErrors.OffsetsGap, path,
                    $"its data starts at {tensor.FileOffset - dataStart}, leaving {tensor.FileOffset - expectedStart} unclaimed bytes before it.", tensor.Name);
            expectedStart = tensor.FileOffset + tensor.ByteLength;
        }
        if (expectedStart - dataStart != dataLength)
            throw Fail(SafetensorsErrors.OffsetsGap, path,
                $"the tensors cover {expectedStart - dataStart} bytes but the data section holds {dataLength}; trailing bytes belong to no tensor.");
    }

    private sealed record Entry(string Name, DType DType, long[] Shape, long Begin, long End);

    private static (List<Entry>, Dictionary<string, string>) ParseJson(ReadOnlySpan<byte> json, string path)
    {
        var entries = new List<Entry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 8, CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            Expect(ref reader, JsonTokenType.StartObject, path, "the header must be a JSON object");
            while (Next(ref reader, path) && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = ReadString(ref reader, path);
                if (!seen.Add(name))
                    throw Fail(SafetensorsErrors.DuplicateTensor, path, "the header names this tensor twice.", name);
                Next(ref reader, path);
                if (name == "__metadata__") ReadMetadata(ref reader, metadata, path);
                else entries.Add(ReadEntry(ref reader, name, path));
            }
            if (reader.TokenType != JsonTokenType.EndObject)
                throw Fail(SafetensorsErrors.HeaderNotJson, path, "the header JSON is malformed.");
            // Anything after the object must be the padding spaces writers add for alignment.
            var rest = json[(int)reader.BytesConsumed..];
            foreach (var b in rest)
                if (b is not ((byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or 0))
                    throw Fail(SafetensorsErrors.HeaderNotJson, path, "unexpected bytes after the header's JSON object.");
        }
        catch (JsonException ex)
        {
            throw new CheckpointFormatException(SafetensorsErrors.HeaderNotJson, path, $"the header is not valid JSON ({ex.Message}).", inner: ex);
        }
        return (entries, metadata);
    }

    private static void ReadMetadata(ref Utf8JsonReader reader, Dictionary<string, string> metadata, string path)
    {
        if (reader.TokenType == JsonTokenType.Null) return;
        Expect(ref reader, JsonTokenType.StartObject, path, "__metadata__ must be an object of strings", advance: false);
        while (Next(ref reader, path) && reader.TokenType == JsonTokenType.PropertyName)
        {
            string key = ReadString(ref reader, path);
            Next(ref reader, path);
            if (reader.TokenType != JsonTokenType.String)
                throw Fail(SafetensorsErrors.HeaderSchema, path, $"__metadata__ value '{key}' must be a string.");
            metadata[key] = ReadString(ref reader, path);
        }
    }

    private static Entry ReadEntry(ref Utf8JsonReader reader, string name, string path)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Fail(SafetensorsErrors.HeaderSchema, path, "the entry must be an object with dtype, shape and data_offsets.", name);
        string? dtypeName = null;
        long[]? shape = null;
        long[]? offsets = null;
        var fields = new HashSet<string>(StringComparer.Ordinal);
        while (Next(ref reader, path) && reader.TokenType == JsonTokenType.PropertyName)
        {
            string key = ReadString(ref reader, path);
            // serde, which the reference reader uses, refuses a repeated field; taking the last would
            // read a tensor differently from other tools.
            if (!fields.Add(key))
                throw Fail(SafetensorsErrors.HeaderSchema, path, $"the entry names the field '{key}' twice; which one is meant is not clear.", name);
            Next(ref reader, path);
            switch (key)
            {
                case "dtype":
                    if (reader.TokenType != JsonTokenType.String)
                        throw Fail(SafetensorsErrors.HeaderSchema, path, "dtype must be a string.", name);
                    dtypeName = ReadString(ref reader, path);
                    break;
                case "shape":
                    shape = ReadIntegers(ref reader, name, "shape", path);
                    break;
                case "data_offsets":
                    offsets = ReadIntegers(ref reader, name, "data_offsets", path);
                    break;
                default:
                    throw Fail(SafetensorsErrors.HeaderSchema, path, $"unexpected field '{key}'.", name);
            }
        }
        if (dtypeName is null || shape is null || offsets is null)
            throw Fail(SafetensorsErrors.HeaderSchema, path, "the entry needs dtype, shape and data_offsets.", name);
        if (!DTypeInfo.TryParseHeaderName(dtypeName, out var dtype))
            throw Fail(SafetensorsErrors.UnknownDType, path, $"unknown dtype '{dtypeName}'.", name);
        if (offsets.Length != 2 || offsets[0] > offsets[1])
            throw Fail(SafetensorsErrors.HeaderSchema, path, "data_offsets must be [begin, end] with begin <= end.", name);
        return new Entry(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] ReadIntegers(ref Utf8JsonReader reader, string tensor, string field, string path)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw Fail(SafetensorsErrors.HeaderSchema, path, $"{field} must be an array of non-negative integers.", tensor);
        var values = new List<long>();
        while (Next(ref reader, path) && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long value) || value < 0)
                throw Fail(SafetensorsErrors.HeaderSchema, path, $"{field} must be an array of non-negative integers.", tensor);
            if (values.Count == 64)
                throw Fail(SafetensorsErrors.HeaderSchema, path, $"{field} has more than 64 entries.", tensor);
            values.Add(value);
        }
        return values.ToArray();
    }

    /// <summary>
    /// The current name or string. The reader checks a string's UTF-8 and escapes only when it
    /// is decoded, and then throws <see cref="InvalidOperationException"/>; a string that is not
    /// valid UTF-8, or escapes half a surrogate pair (<c>"\ud800"</c>), is malformed JSON like any other.
    /// </summary>
    private static string ReadString(ref Utf8JsonReader reader, string path)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException ex)
        {
            throw new CheckpointFormatException(SafetensorsErrors.HeaderNotJson, path,
                "the header holds a string that is not valid UTF-8 or escapes an unpaired surrogate.", inner: ex);
        }
    }

    private static bool Next(ref Utf8JsonReader reader, string path)
    {
        if (!reader.Read())
            throw Fail(SafetensorsErrors.HeaderNotJson, path, "the header JSON ends early.");
        return true;
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string path, string what, bool advance = true)
    {
        if (advance && !reader.Read()) throw Fail(SafetensorsErrors.HeaderNotJson, path, $"{what}; the header is empty.");
        if (reader.TokenType != type) throw Fail(SafetensorsErrors.HeaderSchema, path, $"{what}.");
    }

    private static CheckpointFormatException Fail(string id, string path, string message, string? tensor = null) =>
        new(id, path, message, tensor);

    /// <summary>Serialises a header for the given tensors (in data order) and metadata, padded to 8 bytes.</summary>
    public static byte[] Serialize(IEnumerable<(string Name, DType DType, IReadOnlyList<long> Shape, long Begin, long End)> tensors,
        IReadOnlyDictionary<string, string>? metadata)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata) writer.WriteString(key, value);
                writer.WriteEndObject();
            }
            foreach (var t in tensors)
            {
                writer.WriteStartObject(t.Name);
                writer.WriteString("dtype", t.DType.ToHeaderName());
                writer.WriteStartArray("shape");
                foreach (var dim in t.Shape) writer.WriteNumberValue(dim);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(t.Begin);
                writer.WriteNumberValue(t.End);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        int length = (int)stream.Length;
        int padded = (length + 7) / 8 * 8;
        var bytes = new byte[padded];
        stream.GetBuffer().AsSpan(0, length).CopyTo(bytes);
        bytes.AsSpan(length).Fill((byte)' ');
        return bytes;
    }

}
