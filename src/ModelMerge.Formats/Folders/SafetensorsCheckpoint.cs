using ModelMerge.Formats.Safetensors;

namespace ModelMerge.Formats.Folders;

/// <summary>
/// A checkpoint on disk: a Hugging Face folder (sharded with an index, or one
/// <c>model.safetensors</c>) or a lone <c>.safetensors</c> file. Opening it reads and validates
/// every header and the index; no tensor data is read.
/// </summary>
public sealed class SafetensorsCheckpoint
{
    private readonly Dictionary<string, TensorInfo> _byName;

    private SafetensorsCheckpoint(string path, string? folder, IReadOnlyList<string> files, List<TensorInfo> tensors,
        IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        Folder = folder;
        Files = files;
        Tensors = TensorOrder.Order(tensors, t => t.Name);
        _byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        Metadata = metadata;
        SizeOnDisk = files.Sum(f => FileLength.Of(f) ?? 0);
    }

    /// <summary>The path the checkpoint was opened from (full path).</summary>
    public string Path { get; }

    /// <summary>The Hugging Face folder holding config and tokenizer files; null for a lone file.</summary>
    public string? Folder { get; }

    /// <summary>The weight files (shards), full paths.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>All tensors in write order (<see cref="TensorOrder"/>).</summary>
    public IReadOnlyList<TensorInfo> Tensors { get; }

    /// <summary>The first shard's <c>__metadata__</c>.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public long SizeOnDisk { get; }

    public TensorInfo? Find(string name) => _byName.GetValueOrDefault(name);

    public static SafetensorsCheckpoint Open(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (File.Exists(full)) return FromFiles(full, folder: null, [full], index: null);
        if (!Directory.Exists(full))
            throw new CheckpointFormatException(CheckpointErrors.NotFound, full, "no such file or folder.");

        string indexPath = System.IO.Path.Combine(full, ShardIndex.FileName);
        if (File.Exists(indexPath))
        {
            var index = ShardIndex.Read(indexPath);
            return FromFiles(full, full, index.ShardPaths, index);
        }
        string single = System.IO.Path.Combine(full, "model.safetensors");
        if (File.Exists(single)) return FromFiles(full, full, [single], index: null);

        string hint = File.Exists(System.IO.Path.Combine(full, "pytorch_model.bin")) || File.Exists(System.IO.Path.Combine(full, "pytorch_model.bin.index.json"))
            ? " It holds PyTorch pickle weights (pytorch_model.bin), which are not read; convert them to safetensors first."
            : "";
        throw new CheckpointFormatException(CheckpointErrors.NoWeights, full,
            $"found neither {ShardIndex.FileName} nor model.safetensors.{hint}");
    }

    private static SafetensorsCheckpoint FromFiles(string path, string? folder, IReadOnlyList<string> files, ShardIndex? index)
    {
        var tensors = new List<TensorInfo>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        IReadOnlyDictionary<string, string>? metadata = null;
        foreach (var file in files)
        {
            var header = SafetensorsHeader.Read(file);
            metadata ??= header.Metadata;
            foreach (var tensor in header.Tensors)
            {
                if (seen.TryGetValue(tensor.Name, out var other))
                    throw new CheckpointFormatException(CheckpointErrors.DuplicateTensor, file, $"the tensor is also stored in '{other}'.", tensor.Name);
                seen[tensor.Name] = file;
                if (index is not null && (!index.WeightMap.TryGetValue(tensor.Name, out var mapped) || mapped != file))
                    throw new CheckpointFormatException(CheckpointErrors.IndexMismatch, file,
                        mapped is null ? $"the shard holds this tensor but {ShardIndex.FileName} does not list it."
                                       : $"the shard holds this tensor but {ShardIndex.FileName} places it in '{mapped}'.", tensor.Name);
                tensors.Add(tensor);
            }
        }
        if (index is not null)
        {
            foreach (var (name, file) in index.WeightMap)
                if (!seen.ContainsKey(name))
                    throw new CheckpointFormatException(CheckpointErrors.IndexMismatch, file, $"{ShardIndex.FileName} places this tensor here but the shard does not hold it.", name);
        }
        return new SafetensorsCheckpoint(path, folder, files, tensors, metadata ?? new Dictionary<string, string>());
    }
}
