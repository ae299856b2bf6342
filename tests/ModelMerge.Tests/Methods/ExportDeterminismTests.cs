using ModelMerge.Methods;
using ModelMerge.Plans.Export;
using ModelMerge.Plans.Handles;
using ModelMerge.Plans.Parameters;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>
/// Sums are combined in grid-chunk order and random draws are keyed by element, so the bytes
/// written cannot depend on how many threads computed them, nor on how many chunks the exporter
/// hands its writer at once. The wide llama's tensors span up to three grid chunks, so two
/// threads really do split them.
/// </summary>
[Collection(GeneratedLlamaCollection.Name)]
public sealed class ExportDeterminismTests(GeneratedLlamas llamas)
{
    /// <summary>Between them: the top-k reductions, the L1-rescale reduction, sign consensus, the weighted sum and a spherical method's norms.</summary>
    public static TheoryData<string> Merges => new() { "ties", "dare_ties", "dare_linear", "linear", "slerp" };

    private CheckpointHandle Merge(string method) => llamas["wide"].Merge(method);

    [Theory]
    [MemberData(nameof(Merges))]
    public void One_thread_and_two_threads_write_identical_files(string method)
    {
        var merged = Merge(method);
        Assert.Equal(Export(merged, new ExportOptions { ThrottleLimit = 1 }), Export(merged, new ExportOptions { ThrottleLimit = 2 }));
    }

    [Theory]
    [MemberData(nameof(Merges))]
    public void Blocks_of_any_size_write_identical_files(string method)
    {
        var reference = Export(Merge(method), new ExportOptions());
        foreach (var (chunks, threads) in new[] { (1, 1), (3, 2), (7, 1) })
            Assert.Equal(reference, Export(Merge(method), new ExportOptions { BlockChunks = chunks, ThrottleLimit = threads }));
    }

    private byte[][] Export(CheckpointHandle merged, ExportOptions options) =>
        SafetensorsFiles.WeightFileBytes(CheckpointExporter.Export(merged, llamas.NewTarget(), options).Path);
}
