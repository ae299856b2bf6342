using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelMerge.Formats.Files;

namespace ModelMerge.Formats.Folders;

/// <summary>
/// A Hugging Face <c>config.json</c>, the one reader of it: the export rewrites it with the
/// output dtype, the model card takes the hub id from it. It comes from strangers, so it is
/// checked completely before anything is taken from it: System.Text.Json's node model accepts
/// a duplicated key or an escaped lone surrogate (<c>"\ud800"</c>) while parsing and throws
/// <see cref="ArgumentException"/> or <see cref="InvalidOperationException"/> later, when the
/// key is touched or the config written back. Here both are <see cref="CheckpointErrors.ConfigInvalid"/>.
/// </summary>
public sealed class ModelConfig
{
    public const string FileName = "config.json";

    /// <summary>Deepest nesting read, as System.Text.Json's default; real configs nest two or three levels.</summary>
    public const int MaxDepth = 64;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly JsonObject _root;

    private ModelConfig(JsonObject root, string path)
    {
        _root = root;
        Path = path;
        NameOrPath = root.TryGetPropertyValue("_name_or_path", out var name) && name is JsonValue value && value.TryGetValue(out string? text)
            ? text
            : null;
    }

    /// <summary>The file the config was read from, or the name it was parsed under.</summary>
    public string Path { get; }

    /// <summary><c>_name_or_path</c>: the hub id or folder the model was saved from, when it is a string.</summary>
    public string? NameOrPath { get; }

    /// <summary>
    /// Reads <paramref name="path"/>, which must be a regular file of at most
    /// <see cref="CompanionFiles.MaxFileBytes"/>; other errors reading it come out as the file system's.
    /// </summary>
    /// <exception cref="CheckpointFormatException">Not a regular file, too large, or not a JSON object with distinct keys and valid strings.</exception>
    public static ModelConfig Read(string path) => FromBytes(RegularFile.ReadAll(path, CompanionFiles.MaxFileBytes, "a config.json"), path);

    /// <summary>The config in <paramref name="bytes"/>, decoded as File.ReadAllText decodes: a byte-order mark picks the encoding, UTF-8 otherwise.</summary>
    /// <exception cref="CheckpointFormatException">The text is not a JSON object with distinct keys and valid strings.</exception>
    public static ModelConfig FromBytes(byte[] bytes, string path) => Parse(RegularFile.Decode(bytes), path);

    /// <exception cref="CheckpointFormatException">The text is not a JSON object with distinct keys and valid strings.</exception>
    public static ModelConfig Parse(string text, string path)
    {
        byte[] utf8;
        try
        {
            utf8 = StrictUtf8.GetBytes(text);
        }
        catch (EncoderFallbackException ex)
        {
            throw Invalid(path, "config.json holds an unpaired surrogate, which JSON text cannot carry.", ex);
        }

        CheckKeysAndStrings(utf8, path);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(utf8, documentOptions: new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException ex)
        {
            throw Invalid(path, $"config.json is not valid JSON ({ex.Message}).", ex);
        }
        if (root is not JsonObject config) throw Invalid(path, "config.json must be a JSON object.");
        return new ModelConfig(config, path);
    }

    /// <summary>
    /// The config as the output folder gets it: <c>torch_dtype</c> set to <paramref name="torchDType"/>
    /// when one is given, <paramref name="changes"/> set, indented, with a final newline. This
    /// config is left as it was.
    /// </summary>
    /// <remarks>A change's key may name a nested one by its path, <c>text_config.num_hidden_layers</c>; missing objects on the way are created.</remarks>
    public string Rewritten(DType? torchDType, IReadOnlyDictionary<string, long>? changes = null)
    {
        var config = (JsonObject)_root.DeepClone();
        if (torchDType is DType dtype) config["torch_dtype"] = dtype.ToTorchName();
        foreach (var (key, value) in changes ?? new Dictionary<string, long>())
        {
            var path = key.Split('.');
            var owner = config;
            foreach (var step in path[..^1])
            {
                if (owner[step] is not JsonObject inner) owner[step] = inner = new JsonObject();
                owner = inner;
            }
            owner[path[^1]] = value;
        }
        return config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>Whether the config has the key <paramref name="path"/>, nested ones named by their path (<c>text_config.num_hidden_layers</c>).</summary>
    public bool Has(string path)
    {
        JsonNode? node = _root;
        foreach (var step in path.Split('.'))
            if (node is not JsonObject owner || !owner.TryGetPropertyValue(step, out node)) return false;
        return true;
    }

    /// <summary>
    /// One pass of the reader over the whole text: the JSON must be well formed, every key
    /// distinct within its object, every name and string decodable.
    /// </summary>
    private static void CheckKeysAndStrings(byte[] utf8, string path)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = MaxDepth });
        var open = new Stack<HashSet<string>?>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject: open.Push(new HashSet<string>(StringComparer.Ordinal)); break;
                    case JsonTokenType.StartArray: open.Push(null); break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray: open.Pop(); break;
                    case JsonTokenType.PropertyName:
                        string key = Decoded(ref reader, path);
                        if (!open.Peek()!.Add(key))
                            throw Invalid(path, $"config.json names the key '{Shorten(key)}' twice in one object; which one is meant is not clear.");
                        break;
                    case JsonTokenType.String:
                        Decoded(ref reader, path);
                        break;
                }
            }
        }
        catch (JsonException ex)
        {
            throw Invalid(path, $"config.json is not valid JSON ({ex.Message}).", ex);
        }
    }

    /// <summary>The reader checks a string's UTF-8 and escapes only when decoding it, and throws <see cref="InvalidOperationException"/> then.</summary>
    private static string Decoded(ref Utf8JsonReader reader, string path)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException ex)
        {
            throw Invalid(path, "config.json holds a string that escapes an unpaired surrogate or is not valid UTF-8.", ex);
        }
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";

    private static CheckpointFormatException Invalid(string path, string message, Exception? inner = null) =>
        new(CheckpointErrors.ConfigInvalid, path, message, inner: inner);
}
