using ModelMerge.Formats;
using ModelMerge.TestData;

namespace ModelMerge.PipelineTests.Support;

/// <summary>
/// A temporary folder holding a generated tiny llama base and two fine-tunes (base, ft1, ft2),
/// shared by the tests of one class; each test writes its outputs under its own name.
/// </summary>
public sealed class ModelFolders : IDisposable
{
    public ModelFolders()
    {
        Root = Path.Combine(Path.GetTempPath(), "mm-pipeline-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Root);
        LlamaCheckpointGenerator.Write(Base, new GeneratedModel(LlamaShape.Tiny, DType.BF16, BaseSeed: 1, IntegerBuffer: true));
        LlamaCheckpointGenerator.Write(FineTuned1, new GeneratedModel(LlamaShape.Tiny, DType.BF16, BaseSeed: 1, FineTuneSeed: 1, IntegerBuffer: true));
        LlamaCheckpointGenerator.Write(FineTuned2, new GeneratedModel(LlamaShape.Tiny, DType.BF16, BaseSeed: 1, FineTuneSeed: 2, IntegerBuffer: true));
    }

    public string Root { get; }

    public string Base => Path.Combine(Root, "base");

    public string FineTuned1 => Path.Combine(Root, "ft1");

    public string FineTuned2 => Path.Combine(Root, "ft2");

    public string Output(string name) => Path.Combine(Root, name);

    /// <summary>Hidden folders and files (staging folders, their lock files) left in the root: must be none after any export.</summary>
    public IEnumerable<string> StagingLeftovers() =>
        Directory.EnumerateFileSystemEntries(Root).Select(Path.GetFileName).Where(n => n!.StartsWith('.')).Select(n => n!);

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
