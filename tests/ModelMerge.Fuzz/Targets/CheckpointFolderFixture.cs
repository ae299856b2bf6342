using ModelMerge.Formats;
using ModelMerge.Formats.Folders;
using ModelMerge.Formats.Safetensors;
using ModelMerge.Fuzz.Harness;

namespace ModelMerge.Fuzz.Targets;

/// <summary>
/// A sharded checkpoint folder with the traps a hostile download can carry, built once: links
/// to shards inside, links (file and folder, relative and absolute) to files outside, a sibling
/// folder whose name starts with the checkpoint's, link loops, a chain of links longer than the
/// kernel follows, a dangling link, a folder and a FIFO named like shards, empty and truncated
/// shards. Every file outside the checkpoint is a valid shard, so a parser that let one through
/// would open it without complaint; the oracle recognises them by their bytes.
/// </summary>
public sealed class CheckpointFolderFixture : IDisposable
{
    private readonly FuzzFolder _root = new("index");
    private readonly List<byte[]> _outsideContents = [];

    public CheckpointFolderFixture()
    {
        Folder = Directory.CreateDirectory(_root.Combine("checkpoint")).FullName;
        IndexPath = Path.Combine(Folder, ShardIndex.FileName);
        string outside = Directory.CreateDirectory(_root.Combine("outside")).FullName;
        string sibling = Directory.CreateDirectory(_root.Combine("checkpoint-evil")).FullName;
        Directory.CreateDirectory(Path.Combine(Folder, "sub"));

        foreach (var (shard, tensors) in Shards) WriteShard(Path.Combine(Folder, shard), tensors, "inside");
        OutsideFile = Path.Combine(outside, "evil.safetensors");
        _outsideContents.Add(WriteShard(OutsideFile, [("evil.weight", DType.F32, [1])], "outside"));
        _outsideContents.Add(WriteShard(Path.Combine(sibling, "evil.safetensors"), [("evil.sibling", DType.F32, [1])], "outside"));
        OutsideIndex = Path.Combine(outside, ShardIndex.FileName);
        File.WriteAllText(OutsideIndex, """{"weight_map":{"evil.weight":"evil.safetensors"}}""");

        Directory.CreateDirectory(Path.Combine(Folder, "a-directory.safetensors"));
        File.WriteAllBytes(Path.Combine(Folder, "empty.safetensors"), []);
        File.WriteAllBytes(Path.Combine(Folder, "truncated.safetensors"), [16, 0, 0, 0, 0]);

        Link("linked-inside.safetensors", "model-00001-of-00002.safetensors");
        Link("linked-outside.safetensors", "../outside/evil.safetensors");
        Link("linked-outside-abs.safetensors", OutsideFile);
        Link("linked-sibling.safetensors", "../checkpoint-evil/evil.safetensors");
        Link("dir-outside", "../outside", directory: true);
        Link("dir-sibling", sibling, directory: true);
        Link("dir-inside", "sub", directory: true);
        Link("self", ".", directory: true);
        Link("loop-a.safetensors", "loop-b.safetensors");
        Link("loop-b.safetensors", "loop-a.safetensors");
        Link("dangling.safetensors", "missing.safetensors");
        for (int i = 0; i < 45; i++) Link($"chain-{i:00}.safetensors", i == 44 ? "model-00001-of-00002.safetensors" : $"chain-{i + 1:00}.safetensors");
        HasFifo = UnixFifo.TryCreate(FifoPath);
    }

    /// <summary>The shards a valid index names, with their tensors.</summary>
    public static readonly (string Shard, (string Name, DType DType, long[] Shape)[] Tensors)[] Shards =
    [
        ("model-00001-of-00002.safetensors", [("model.embed_tokens.weight", DType.F32, [2, 2]), ("model.layers.0.mlp.down_proj.weight", DType.BF16, [4])]),
        ("model-00002-of-00002.safetensors", [("model.norm.weight", DType.F16, [4]), ("lm_head.weight", DType.F32, [2, 2])]),
        ("sub/model-extra.safetensors", [("extra.weight", DType.F32, [1])]),
    ];

    public string Folder { get; }

    public string IndexPath { get; }

    /// <summary>A valid shard outside the checkpoint, holding <c>evil.weight</c>.</summary>
    public string OutsideFile { get; }

    /// <summary>An index outside the checkpoint that names <c>evil.safetensors</c> beside it.</summary>
    public string OutsideIndex { get; }

    /// <summary>Whether <c>pipe.safetensors</c>, a FIFO, could be made (not on Windows).</summary>
    public bool HasFifo { get; }

    public string FifoPath => Path.Combine(Folder, "pipe.safetensors");

    /// <summary>True when <paramref name="path"/> has the bytes of a file outside the checkpoint folder.</summary>
    public bool IsOutsideFile(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists || _outsideContents.All(c => c.Length != info.Length)) return false;
        byte[] bytes = File.ReadAllBytes(path);
        return _outsideContents.Any(c => c.AsSpan().SequenceEqual(bytes));
    }

    /// <summary>Removes whatever the index path is (file, link, FIFO) and makes it a link to <paramref name="target"/>.</summary>
    public void LinkIndexTo(string target)
    {
        File.Delete(IndexPath);
        File.CreateSymbolicLink(IndexPath, target);
    }

    private static byte[] WriteShard(string path, (string Name, DType DType, long[] Shape)[] tensors, string origin)
    {
        long offset = 0;
        var layout = tensors.Select(t =>
        {
            long begin = offset;
            offset += ShapeMath.ElementCount(t.Shape) * t.DType.SizeOf();
            return (t.Name, t.DType, (IReadOnlyList<long>)t.Shape, begin, offset);
        }).ToList();
        byte[] header = SafetensorsHeader.Serialize(layout, new Dictionary<string, string> { ["origin"] = origin });
        var bytes = new byte[8 + header.Length + offset];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), (ulong)header.Length);
        header.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
        return bytes;
    }

    private void Link(string name, string target, bool directory = false)
    {
        string path = Path.Combine(Folder, name);
        try
        {
            if (directory) Directory.CreateSymbolicLink(path, target);
            else File.CreateSymbolicLink(path, target);
        }
        catch (IOException) { }                // links need a privilege on Windows; the other traps remain
        catch (UnauthorizedAccessException) { }
    }

    public void Dispose() => _root.Dispose();
}
