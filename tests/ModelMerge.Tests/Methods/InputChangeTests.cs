using ModelMerge.Formats;
using ModelMerge.Plans.Export;
using ModelMerge.Plans.Handles;
using ModelMerge.TestData;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>An input rewritten after its header was read, or while the merge reads it, fails the export and leaves nothing behind.</summary>
public sealed class InputChangeTests : IDisposable
{
    private readonly TempFolder _temp = new("input-change");

    private (CheckpointHandle Merged, string FineTuneFile) Merge()
    {
        string baseFolder = LlamaCheckpointGenerator.Write(_temp.Child("base"), new GeneratedModel(LlamaShape.Tiny, DType.BF16, BaseSeed: 1));
        string tuned = LlamaCheckpointGenerator.Write(_temp.Child("ft"), new GeneratedModel(LlamaShape.Tiny, DType.BF16, BaseSeed: 1, FineTuneSeed: 1));
        var vector = TaskVectors.Difference(CheckpointHandle.Open(baseFolder), CheckpointHandle.Open(tuned));
        return (TaskArithmeticMerge.Build(ModelMerge.Methods.TaskArithmeticMethod.TaskArithmetic, [vector], new TaskArithmeticOptions()),
            Path.Combine(tuned, "model.safetensors"));
    }

    private void AssertRefused(Action export, string target)
    {
        var error = Assert.Throws<CheckpointFormatException>(export);
        Assert.Equal(FileStamp.InputChanged, error.ErrorId);
        Assert.Contains("changed after its header was read", error.Message);
        Assert.False(Directory.Exists(target));
        Assert.DoesNotContain(Directory.EnumerateDirectories(_temp.Path), d => Path.GetFileName(d).StartsWith('.'));
    }

    [Fact]
    public void A_file_rewritten_between_planning_and_export_is_refused()
    {
        var (merged, file) = Merge();
        File.SetLastWriteTimeUtc(file, File.GetLastWriteTimeUtc(file).AddSeconds(5));
        string target = _temp.Child("out-before");
        AssertRefused(() => CheckpointExporter.Export(merged, target, new ExportOptions()), target);
    }

    [Fact]
    public void A_file_rewritten_while_the_export_reads_it_is_refused_before_the_output_is_committed()
    {
        var (merged, file) = Merge();
        string target = _temp.Child("out-during");
        // Touch the fine-tune once its first tensors have been read: the remaining reads and the final check both see it.
        void Progress(ExportProgress p)
        {
            if (p.TensorIndex == 5) File.SetLastWriteTimeUtc(file, File.GetLastWriteTimeUtc(file).AddSeconds(5));
        }
        AssertRefused(() => CheckpointExporter.Export(merged, target, new ExportOptions(), Progress), target);
    }

    [Fact]
    public void A_file_that_shrank_names_both_sizes()
    {
        var (merged, file) = Merge();
        using (var stream = new FileStream(file, FileMode.Open)) stream.SetLength(stream.Length - 2);
        string target = _temp.Child("out-shrunk");
        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointExporter.Export(merged, target, new ExportOptions()));
        Assert.Equal(FileStamp.InputChanged, error.ErrorId);
        Assert.Matches(@"was \d+ bytes and is now \d+", error.Message);
    }

    public void Dispose() => _temp.Dispose();
}
