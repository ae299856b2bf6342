using System.Text.Json;
using ModelMerge.Formats.Files;

namespace ModelMerge.Formats.Folders;

/// <summary>
/// <c>model.safetensors.index.json</c>: which shard holds each tensor. Shard names come from
/// strangers' files, so each must resolve (symlinks followed) to a file inside the folder's
/// <see cref="FolderBoundary"/>.
/// </summary>
public sealed class ShardIndex
{
    public const string FileName = "model.safetensors.index.json";

    /// <summary>An index file above this size is refused rather than parsed (real ones are ~100 KB).</summary>
    public const long MaxIndexBytes = 64L * 1024 * 1024;

    private ShardIndex(IReadOnlyDictionary<string, string> weightMap, IReadOnlyList<string> shardPaths)
    {
        WeightMap = weightMap;
        ShardPaths = shardPaths;
    }

    /// <summary>Tensor name to the full path of its shard.</summary>
    public IReadOnlyDictionary<string, string> WeightMap { get; }

    /// <summary>Distinct shard paths in first-mention order.</summary>
    public IReadOnlyList<string> ShardPaths { get; }

    public static ShardIndex Read(string indexPath)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(indexPath))!;
        byte[] bytes = ReadBytes(indexPath);

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            throw new CheckpointFormatException(CheckpointErrors.IndexInvalid, indexPath, $"the index is not valid JSON ({ex.Message}).", inner: ex);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("weight_map", out var map)
                || map.ValueKind != JsonValueKind.Object)
                throw new CheckpointFormatException(CheckpointErrors.IndexInvalid, indexPath, "the index needs a \"weight_map\" object mapping tensor names to shard files.");

            var boundary = Boundary(folder, indexPath);
            var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            var shardPaths = new List<string>();
            var resolved = new Dictionary<string, string>(StringComparer.Ordinal);
            // Spellings of one file (./x and x, or a link and its target) share the first one's path:
            // read twice, its tensors would look stored twice.
            var byRealPath = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in map.EnumerateObject())
            {
                string tensor = Decoded(() => entry.Name, indexPath, tensor: null);
                if (entry.Value.ValueKind != JsonValueKind.String)
                    throw new CheckpointFormatException(CheckpointErrors.IndexInvalid, indexPath, "every weight_map value must be a shard file name.", tensor);
                if (weightMap.ContainsKey(tensor))
                    throw new CheckpointFormatException(CheckpointErrors.DuplicateTensor, indexPath, "weight_map names this tensor twice.", tensor);
                string shard = Decoded(() => entry.Value.GetString()!, indexPath, tensor);
                if (!resolved.TryGetValue(shard, out var full))
                {
                    var (named, real) = ResolveShard(boundary, shard, indexPath, tensor);
                    if (!byRealPath.TryGetValue(real, out full))
                    {
                        full = named;
                        byRealPath[real] = full;
                        shardPaths.Add(full);
                    }
                    resolved[shard] = full;
                }
                weightMap[tensor] = full;
            }
            if (weightMap.Count == 0)
                throw new CheckpointFormatException(CheckpointErrors.IndexInvalid, indexPath, "weight_map is empty.");
            return new ShardIndex(weightMap, shardPaths);
        }
    }

    /// <summary>
    /// The index file's bytes: a regular file within <see cref="MaxIndexBytes"/>, not empty. A
    /// FIFO or a device is refused before it is opened (<see cref="RegularFile"/>).
    /// </summary>
    private static byte[] ReadBytes(string indexPath)
    {
        byte[] bytes;
        try
        {
            bytes = RegularFile.ReadAll(indexPath, MaxIndexBytes, "a shard index");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointFormatException(CheckpointErrors.IndexUnreadable, indexPath, $"the index cannot be read ({ex.Message}).", inner: ex);
        }
        if (bytes.Length == 0)
            throw new CheckpointFormatException(CheckpointErrors.IndexInvalid, indexPath, "the index is empty.");
        return bytes;
    }

    private static FolderBoundary Boundary(string folder, string indexPath)
    {
        try
        {
            return FolderBoundary.Of(folder);
        }
        catch (IOException ex)
        {
            throw new CheckpointFormatException(CheckpointErrors.IndexUnreadable, indexPath, $"the folder's path is a link that cannot be followed ({ex.Message}).", inner: ex);
        }
    }

    /// <summary>
    /// A tensor or shard name. JsonDocument checks a string's UTF-8 and escapes only when it is
    /// decoded, and then throws <see cref="InvalidOperationException"/>; a name that is not valid
    /// UTF-8, or escapes half a surrogate pair (<c>"\ud800"</c>), makes the index malformed.
    /// </summary>
    private static string Decoded(Func<string> decode, string indexPath, string? tensor)
    {
        try
        {
            return decode();
        }
        catch (InvalidOperationException ex)
        {
            throw new CheckpointFormatException(CheckpointErrors.IndexInvalid, indexPath,
                "the index holds a name that is not valid UTF-8 or escapes an unpaired surrogate.", tensor, ex);
        }
    }

    /// <summary>The shard's full path as the index names it, and its real path (links followed).</summary>
    private static (string Full, string Real) ResolveShard(FolderBoundary boundary, string shard, string indexPath, string tensor)
    {
        if (shard.Length == 0 || Path.IsPathRooted(shard) || shard.Contains('\0')
            || shard.Split('/', '\\').Any(part => part == ".."))
            throw new CheckpointFormatException(CheckpointErrors.ShardOutsideFolder, indexPath,
                $"shard '{shard}' must be a relative name inside the checkpoint folder.", tensor);

        string full = Path.GetFullPath(Path.Combine(boundary.Folder, shard));
        if (!FolderBoundary.IsInside(full, boundary.Folder))
            throw new CheckpointFormatException(CheckpointErrors.ShardOutsideFolder, indexPath, $"shard '{shard}' resolves outside the checkpoint folder.", tensor);
        if (!File.Exists(full))
            throw new CheckpointFormatException(CheckpointErrors.ShardMissing, indexPath, $"shard '{shard}' does not exist.", tensor);

        string real;
        bool admitted;
        try
        {
            admitted = boundary.Admits(full, out real);
        }
        catch (IOException ex)
        {
            // ELOOP: a link loop, or a chain longer than the system follows.
            throw new CheckpointFormatException(CheckpointErrors.ShardMissing, indexPath,
                $"shard '{shard}' is a link that cannot be followed ({ex.Message}).", tensor, ex);
        }
        if (!admitted)
            throw new CheckpointFormatException(CheckpointErrors.ShardOutsideFolder, indexPath,
                $"shard '{shard}' is a link to '{real}', outside {boundary.Description}.", tensor);
        if (!File.Exists(real))
            throw new CheckpointFormatException(CheckpointErrors.ShardMissing, indexPath, $"shard '{shard}' is a link to '{real}', which does not exist.", tensor);
        return (full, real);
    }
}
