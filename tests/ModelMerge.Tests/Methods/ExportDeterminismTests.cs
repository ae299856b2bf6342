using ModelMerge.Methods;
using ModelMerge.Plans.Export;
using ModelMerge.Plans.Handles;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>
/// Sums are combined in grid-chunk order and random draws are keyed by element, so the bytes
/// written cannot depend on how many threads computed them. The wide llama's tensors span up to
/// three grid chunks, so two threads really do split them.
/// </summary>
[Collection(GeneratedLlamaCollection.Name)]
public sealed class ExportDeterminismTests(GeneratedLlamas llamas)
{
    /// <summary>Between them: the top-k reductions, the L1-rescale reduction, sign consensus and the weighted sum.</summary>
    public static TheoryData<string> Merges => new() { "ties", "dare_ties", "dare_linear", "linear" };

    [Theory]
    [MemberData(nameof(Merges))]
    public void One_thread_and_two_threads_write_identical_files(string method)
    {
        var set = llamas["wide"];
        var merged = method == "linear"
            ? LinearMerge.Build([set.Base, .. set.FineTunes], [0.5, 0.3, 0.2])
            : TaskArithmeticMerge.Build(TaskArithmeticMethod.Find(method)!, set.TaskVectors(1.0, -0.4),
                new TaskArithmeticOptions { Density = [0.3], Lambda = 0.9, Seed = 77 });

        var oneThread = Export(merged, 1);
        var twoThreads = Export(merged, 2);

        Assert.Equal(oneThread, twoThreads);
    }

    private byte[][] Export(CheckpointHandle merged, int threads) =>
        SafetensorsFiles.WeightFileBytes(CheckpointExporter.Export(merged, llamas.NewTarget(), new ExportOptions { ThrottleLimit = threads }).Path);
}
