using ModelMerge.Formats;
using ModelMerge.Formats.Files;
using ModelMerge.Formats.Folders;
using ModelMerge.Formats.Safetensors;
using ModelMerge.Fuzz.Harness;

namespace ModelMerge.Fuzz.Targets;

/// <summary>
/// <see cref="ShardIndex.Read"/> and then <see cref="SafetensorsCheckpoint.Open"/> on the
/// <see cref="CheckpointFolderFixture"/>, with a generated index written over its index file
/// (and, now and then, the index replaced by a link to a FIFO, a folder or an index outside).
/// Documented failure: <see cref="CheckpointFormatException"/> with an id of
/// <see cref="CheckpointErrors"/> or, for the shards opened, <see cref="SafetensorsErrors"/>.
/// Whatever parses must not have let a file from outside the folder in.
/// </summary>
public sealed class ShardIndexTarget : FuzzTarget
{
    public const string TargetName = "shard-index";

    private static readonly IReadOnlySet<string> Ids = ErrorIds.Declared(typeof(CheckpointErrors), typeof(SafetensorsErrors), typeof(FileErrors));

    private readonly CheckpointFolderFixture _fixture = new();
    private readonly ShardIndexGenerator _generator;
    private bool _indexIsLink;

    public ShardIndexTarget() => _generator = new ShardIndexGenerator(_fixture);

    public override string Name => TargetName;

    public override FuzzCase Prepare(Random random)
    {
        if (random.Next(64) == 0)
        {
            string[] targets = _fixture.HasFifo ? [_fixture.FifoPath, "sub", _fixture.OutsideIndex, "missing.json"] : ["sub", _fixture.OutsideIndex, "missing.json"];
            string target = targets[random.Next(targets.Length)];
            _fixture.LinkIndexTo(target);
            _indexIsLink = true;
            return new FuzzCase(System.Text.Encoding.UTF8.GetBytes(target), ".link.txt", Run, note: $"{ShardIndex.FileName} is a link to this path");
        }

        byte[] index = _generator.Generate(random);
        if (_indexIsLink) File.Delete(_fixture.IndexPath);
        _indexIsLink = false;
        File.WriteAllBytes(_fixture.IndexPath, index);
        return new FuzzCase(index, ".json", Run);
    }

    private void Run()
    {
        var index = ShardIndex.Read(_fixture.IndexPath);
        foreach (var shard in index.ShardPaths)
            InvariantViolation.Check(!_fixture.IsOutsideFile(shard), $"containment: the index let in '{shard}', a file outside the folder");
        var checkpoint = SafetensorsCheckpoint.Open(_fixture.Folder);
        foreach (var file in checkpoint.Files)
            InvariantViolation.Check(!_fixture.IsOutsideFile(file), $"containment: the checkpoint opened '{file}', a file outside the folder");
        InvariantViolation.Check(checkpoint.Tensors.Count == index.WeightMap.Count, $"coverage: {checkpoint.Tensors.Count} tensors opened, {index.WeightMap.Count} indexed");
    }

    public override string? Undocumented(Exception exception) => exception switch
    {
        CheckpointFormatException { ErrorId: var id } when !Ids.Contains(id) => $"error id '{id}' is not one of CheckpointErrors or SafetensorsErrors",
        CheckpointFormatException => null,
        _ => $"{exception.GetType().Name} is not the documented CheckpointFormatException",
    };

    public override void Dispose()
    {
        _fixture.Dispose();
        base.Dispose();
    }
}
