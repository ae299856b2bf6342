using ModelMerge.Methods;
using ModelMerge.Plans.Export;
using ModelMerge.Plans.Handles;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>The bytes written do not depend on how many chunks the exporter hands the writer at once, nor on the thread count.</summary>
[Collection(GeneratedLlamaCollection.Name)]
public sealed class BlockSizeDeterminismTests(GeneratedLlamas llamas)
{
    [Theory]
    [InlineData("ties")]
    [InlineData("dare_ties")]
    [InlineData("slerp")]
    public void Block_size_and_threads_change_no_byte(string method)
    {
        var set = llamas["wide"];
        CheckpointHandle Merge() => method == "slerp"
            ? MethodMerge.Build(new MergeRequest(MergeMethods.Find("slerp")!, [MergeInput.Of(set.FineTunes[1])])
            {
                Base = set.FineTunes[0],
                Settings = new Dictionary<string, Plans.Parameters.ParameterSetting>(StringComparer.OrdinalIgnoreCase) { ["t"] = Plans.Parameters.ParameterSetting.Of(0.3) },
            })
            : TaskArithmeticMerge.Build(TaskArithmeticMethod.Find(method)!, set.TaskVectors(1.0, 0.5), new TaskArithmeticOptions { Density = [0.4], Seed = 5 });

        var reference = SafetensorsFiles.WeightFileBytes(CheckpointExporter.Export(Merge(), llamas.NewTarget(), new ExportOptions()).Path);
        foreach (var (chunks, threads) in new[] { (1, 1), (3, 2), (7, 1) })
        {
            var options = new ExportOptions { BlockChunks = chunks, ThrottleLimit = threads };
            var bytes = SafetensorsFiles.WeightFileBytes(CheckpointExporter.Export(Merge(), llamas.NewTarget(), options).Path);
            Assert.Equal(reference.Length, bytes.Length);
            for (int i = 0; i < bytes.Length; i++) Assert.True(reference[i].AsSpan().SequenceEqual(bytes[i]), $"{chunks} chunk(s) per block on {threads} thread(s) differ");
        }
    }
}
