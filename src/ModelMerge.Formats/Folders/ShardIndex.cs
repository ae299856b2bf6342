using System.Text.Json;

namespace ModelMerge.Formats.Folders;

/// <summary>
/// <c>model.safetensors.index.json</c>: which shard holds each tensor. Shard names come from
/// strangers' files, so each must resolve (symlinks followed) to a file inside the folder.
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

            var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            var shardPaths = new List<string>();
            var resolved = new Dictionary<string, string>(StringComparer.Ordinal);
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
                    full = ResolveShard(folder, shard, indexPath, tensor);
                    resolved[shard] = full;
                    shardPaths.Add(full);
                }
                weightMap[tensor] = full;
            }
            if (weightMap.Count == 0)
                throw new CheckpointFormatException(CheckpointErrors.IndexInvalid, indexPath, "weight_map is empty.");
            return new ShardIndex(weightMap, shardPaths);
        }
    }

    /// <summary>
    /// The index file's bytes. Its size is checked before anything is read: over the limit it is
    /// refused, and so is a size of zero, which is also what a FIFO or a device reports (opening
    /// a FIFO blocks until someone writes to it; reading /dev/zero never ends).
    /// </summary>
    private static byte[] ReadBytes(string indexPath)
    {
        try
        {
            long length = FileLength.Of(indexPath) ?? throw new FileNotFoundException("no such file", indexPath);
            if (length > MaxIndexBytes)
                throw new CheckpointFormatException(CheckpointErrors.IndexInvalid, indexPath, $"the index is {length} bytes; the limit is {MaxIndexBytes}.");
            if (length == 0)
                throw new CheckpointFormatException(CheckpointErrors.IndexInvalid, indexPath, "the index is empty (or not a regular file).");
            return File.ReadAllBytes(indexPath);
        }
        catch (IOException ex)
        {
            throw new CheckpointFormatException(CheckpointErrors.IndexUnreadable, indexPath, $"the index cannot be read ({ex.Message}).", inner: ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new CheckpointFormatException(CheckpointErrors.IndexUnreadable, indexPath, $"the index cannot be read ({ex.Message}).", inner: ex);
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

    private static string ResolveShard(string folder, string shard, string indexPath, string tensor)
    {
        if (shard.Length == 0 || Path.IsPathRooted(shard) || shard.Contains('\0')
            || shard.Split('/', '\\').Any(part => part == ".."))
            throw new CheckpointFormatException(CheckpointErrors.ShardOutsideFolder, indexPath,
                $"shard '{shard}' must be a relative name inside the checkpoint folder.", tensor);

        string full = Path.GetFullPath(Path.Combine(folder, shard));
        if (!IsInside(full, folder))
            throw new CheckpointFormatException(CheckpointErrors.ShardOutsideFolder, indexPath, $"shard '{shard}' resolves outside the checkpoint folder.", tensor);
        if (!File.Exists(full))
            throw new CheckpointFormatException(CheckpointErrors.ShardMissing, indexPath, $"shard '{shard}' does not exist.", tensor);

        string realFolder, realShard;
        try
        {
            realFolder = RealPath(folder);
            realShard = RealPath(full);
        }
        catch (IOException ex)
        {
            // ELOOP: a link loop, or a chain longer than the system follows.
            throw new CheckpointFormatException(CheckpointErrors.ShardMissing, indexPath,
                $"shard '{shard}' is a link that cannot be followed ({ex.Message}).", tensor, ex);
        }
        if (!IsInside(realShard, realFolder))
            throw new CheckpointFormatException(CheckpointErrors.ShardOutsideFolder, indexPath,
                $"shard '{shard}' is a link to '{realShard}', outside the checkpoint folder.", tensor);
        if (!File.Exists(realShard))
            throw new CheckpointFormatException(CheckpointErrors.ShardMissing, indexPath, $"shard '{shard}' is a link to '{realShard}', which does not exist.", tensor);
        return full;
    }

    /// <summary>The path with every symbolic link along it followed.</summary>
    internal static string RealPath(string path)
    {
        string full = Path.GetFullPath(path);
        string? root = Path.GetPathRoot(full);
        string current = root ?? "";
        foreach (var part in full[current.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            FileSystemInfo entry = Directory.Exists(current) ? new DirectoryInfo(current) : new FileInfo(current);
            if (entry.LinkTarget is not null)
            {
                var target = entry.ResolveLinkTarget(returnFinalTarget: true);
                if (target is not null) current = RealPath(target.FullName);
            }
        }
        return current;
    }

    internal static bool IsInside(string path, string folder)
    {
        string prefix = Path.TrimEndingDirectorySeparator(folder) + Path.DirectorySeparatorChar;
        return path.StartsWith(prefix, StringComparison.Ordinal);
    }
}
