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
        string config = Path.Combine(donorFolder, ModelConfig.FileName);
        if (File.Exists(config))
        {
            WriteConfig(config, Path.Combine(destination, ModelConfig.FileName), outputDType, configChanges);
            copied.Add(ModelConfig.FileName);
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
        if (File.Exists(config)) ModelConfig.Read(config);
    }

    private static void WriteConfig(string source, string destination, DType? outputDType, IReadOnlyDictionary<string, long>? changes) =>
        File.WriteAllText(destination, ModelConfig.Read(source).Rewritten(outputDType, changes));
}
