using System.Text.Json;
using System.Text.Json.Nodes;

namespace ModelMerge.Formats.Folders;

/// <summary>
/// The non-weight files of a Hugging Face folder that travel with merged weights: the model
/// config, the generation config and the tokenizer. config.json is rewritten with the output
/// dtype; the rest are copied byte for byte.
/// </summary>
public static class CompanionFiles
{
    public static readonly IReadOnlyList<string> Copied =
    [
        "generation_config.json", "tokenizer.json", "tokenizer_config.json", "tokenizer.model",
        "special_tokens_map.json", "added_tokens.json", "merges.txt", "vocab.json",
        "chat_template.jinja", "chat_template.json", "preprocessor_config.json",
    ];

    /// <summary>Copies the companions found in <paramref name="donorFolder"/>; returns the names copied.</summary>
    /// <param name="configChanges">Integer keys to set in config.json, e.g. the layer count of a layer stack.</param>
    public static IReadOnlyList<string> CopyInto(string donorFolder, string destination, DType? outputDType,
        IReadOnlyDictionary<string, long>? configChanges = null)
    {
        var copied = new List<string>();
        string config = Path.Combine(donorFolder, "config.json");
        if (File.Exists(config))
        {
            WriteConfig(config, Path.Combine(destination, "config.json"), outputDType, configChanges);
            copied.Add("config.json");
        }
        foreach (var name in Copied)
        {
            string source = Path.Combine(donorFolder, name);
            if (!File.Exists(source)) continue;
            File.Copy(source, Path.Combine(destination, name));
            copied.Add(name);
        }
        return copied;
    }

    /// <summary>
    /// Throws ConfigInvalid when the folder's config.json cannot be rewritten; an export calls this
    /// before computing anything, rather than finding out after the last tensor.
    /// </summary>
    public static void CheckConfig(string donorFolder)
    {
        string config = Path.Combine(donorFolder, "config.json");
        if (File.Exists(config)) ReadConfig(config);
    }

    private static JsonObject ReadConfig(string source)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(source));
        }
        catch (JsonException ex)
        {
            throw new CheckpointFormatException(CheckpointErrors.ConfigInvalid, source, $"config.json is not valid JSON ({ex.Message}).", inner: ex);
        }
        return root as JsonObject
            ?? throw new CheckpointFormatException(CheckpointErrors.ConfigInvalid, source, "config.json must be a JSON object.");
    }

    private static void WriteConfig(string source, string destination, DType? outputDType, IReadOnlyDictionary<string, long>? changes)
    {
        var config = ReadConfig(source);
        if (outputDType is DType dtype) config["torch_dtype"] = dtype.ToTorchName();
        foreach (var (key, value) in changes ?? new Dictionary<string, long>()) config[key] = value;
        File.WriteAllText(destination, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }
}
