using System.Text.Json;
using ModelMerge.Formats.Files;

namespace ModelMerge.Formats.Folders;

/// <summary>
/// The non-weight files of a Hugging Face folder that travel with merged weights: the model
/// config, the generation config and the tokenizer. config.json is rewritten with the output
/// dtype; the rest are copied byte for byte. They come from strangers like the shards do and
/// obey the shards' rule (<see cref="FolderBoundary"/>): a companion that is a link out of the
/// folder, not a regular file, over <see cref="MaxFileBytes"/> or (for JSON) not valid JSON is
/// refused by name, never skipped, since an output without it would be a different model.
/// Each is read once, before anything is computed, and written from the bytes that were checked.
/// </summary>
public sealed class CompanionFiles
{
    public static readonly IReadOnlyList<string> Copied =
    [
        "generation_config.json", "tokenizer.json", "tokenizer_config.json", "tokenizer.model",
        "special_tokens_map.json", "added_tokens.json", "merges.txt", "vocab.json",
        "chat_template.jinja", "chat_template.json", "preprocessor_config.json",
    ];

    /// <summary>The cap on each companion; a large tokenizer.json is ~20 MB, a tokenizer.model ~5 MB.</summary>
    public const long MaxFileBytes = 64L * 1024 * 1024;

    private readonly ModelConfig? _config;
    private readonly IReadOnlyList<(string Name, byte[] Bytes)> _files;

    private CompanionFiles(string folder, ModelConfig? config, IReadOnlyList<(string, byte[])> files)
    {
        Folder = folder;
        _config = config;
        _files = files;
    }

    /// <summary>The folder the companions were read from.</summary>
    public string Folder { get; }

    /// <summary>
    /// Reads and checks the companions present in <paramref name="donorFolder"/>. An export calls
    /// this before computing anything, rather than finding a bad file after the last tensor.
    /// </summary>
    /// <exception cref="CheckpointFormatException">
    /// A companion is a link leaving the folder (<see cref="CheckpointErrors.CompanionOutsideFolder"/>), cannot be read
    /// (<see cref="CheckpointErrors.CompanionUnreadable"/>), is not a regular file or too large (<see cref="FileErrors"/>),
    /// or is not valid JSON (<see cref="CheckpointErrors.ConfigInvalid"/> for config.json, <see cref="CheckpointErrors.CompanionInvalid"/>).
    /// </exception>
    public static CompanionFiles Read(string donorFolder)
    {
        FolderBoundary boundary;
        try
        {
            boundary = FolderBoundary.Of(donorFolder);
        }
        catch (IOException ex)
        {
            throw new CheckpointFormatException(CheckpointErrors.CompanionUnreadable, donorFolder, $"the folder's path is a link that cannot be followed ({ex.Message}).", inner: ex);
        }
        ModelConfig? config = null;
        var files = new List<(string, byte[])>();
        foreach (var name in Copied.Prepend(ModelConfig.FileName))
        {
            string path = Path.Combine(boundary.Folder, name);
            if (ReadInside(boundary, path) is not byte[] bytes) continue;
            if (name == ModelConfig.FileName) config = ModelConfig.FromBytes(bytes, path);
            else
            {
                if (name.EndsWith(".json", StringComparison.Ordinal)) CheckJson(bytes, path);
                files.Add((name, bytes));
            }
        }
        return new CompanionFiles(boundary.Folder, config, files);
    }

    /// <summary>Writes the companions into <paramref name="destination"/>; returns the names written.</summary>
    /// <param name="configChanges">Integer keys to set in config.json, e.g. the layer count of a layer stack.</param>
    public IReadOnlyList<string> WriteInto(string destination, DType? outputDType, IReadOnlyDictionary<string, long>? configChanges = null)
    {
        var written = new List<string>();
        if (_config is not null)
        {
            File.WriteAllText(Path.Combine(destination, ModelConfig.FileName), _config.Rewritten(outputDType, configChanges));
            written.Add(ModelConfig.FileName);
        }
        foreach (var (name, bytes) in _files)
        {
            using var file = new FileStream(Path.Combine(destination, name), FileMode.CreateNew, FileAccess.Write);
            file.Write(bytes);
            written.Add(name);
        }
        return written;
    }

    /// <summary>The bytes of the companion at <paramref name="path"/>; null when the folder has none by that name.</summary>
    private static byte[]? ReadInside(FolderBoundary boundary, string path)
    {
        var entry = new FileInfo(path);
        if (!entry.Exists && entry.LinkTarget is null && !Directory.Exists(path)) return null;
        string name = entry.Name;
        string real;
        bool admitted;
        try
        {
            admitted = boundary.Admits(path, out real);
        }
        catch (IOException ex)
        {
            throw new CheckpointFormatException(CheckpointErrors.CompanionUnreadable, path, $"{name} is a link that cannot be followed ({ex.Message}).", inner: ex);
        }
        if (!admitted)
            throw new CheckpointFormatException(CheckpointErrors.CompanionOutsideFolder, path,
                $"{name} is a link to '{real}', outside {boundary.Description}; it is neither read nor copied into the output. " +
                "If that file belongs to the model, copy it into the folder in place of the link.");
        try
        {
            // The real path, as checked: following the link again could lead elsewhere by now.
            return RegularFile.ReadAll(real, MaxFileBytes, $"a model's {name}", shownPath: path);
        }
        catch (FileNotFoundException ex)
        {
            throw new CheckpointFormatException(CheckpointErrors.CompanionUnreadable, path, $"{name} is a link to '{real}', which does not exist.", inner: ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointFormatException(CheckpointErrors.CompanionUnreadable, path, $"{name} cannot be read ({ex.Message}).", inner: ex);
        }
    }

    /// <summary>Syntax only: tokenizer vocabularies may hold strings (lone surrogate escapes) that Python writes and reads back.</summary>
    private static void CheckJson(byte[] bytes, string path)
    {
        ReadOnlySpan<byte> json = bytes;
        if (json.StartsWith("\uFEFF"u8)) json = json[3..];
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = ModelConfig.MaxDepth });
        try
        {
            while (reader.Read()) { }
        }
        catch (JsonException ex)
        {
            throw new CheckpointFormatException(CheckpointErrors.CompanionInvalid, path,
                $"{Path.GetFileName(path)} is not valid JSON ({ex.Message}); an output with it would not load. Repair or replace the file.", inner: ex);
        }
    }
}
