using ModelMerge.Compute;
using ModelMerge.Formats.Folders;
using ModelMerge.Plans.Graph;
using ModelMerge.Tests.Formats;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Compute;

/// <summary>
/// A merge's passes over its inputs leave at most a window or two of each input mapped in, so a
/// large embedding does not sit whole in the resident set while it is merged.
/// </summary>
public class StoredTensorResidencyTests
{
    private const int Elements = 6 << 20; // 24 MB of float32: six windows

    private static double SumOfAll(ChunkRunner runner, PreparedTensor prepared) =>
        runner.Reduce(prepared, () => new double[1], (sum, _, values) => { foreach (float v in values) sum[0] += v; },
            (into, part) => into[0] += part[0])[0];

    [Fact]
    public void A_pass_through_the_plan_context_keeps_only_the_last_pages_of_its_input_resident()
    {
        if (!MappingRss.Available) return;
        using var folder = new TemporaryFolder();
        var values = new float[Elements];
        for (int i = 0; i < values.Length; i++) values[i] = i % 7 - 3;
        SafetensorsFiles.WriteF32(folder.Path, [new TensorValues("lm_head.weight", [Elements / 2048, 2048], values)]);
        var tensor = SafetensorsCheckpoint.Open(folder.Path).Tensors.Single();
        var context = new PlanContext(new ChunkRunner(2));
        double expected = 0;
        foreach (float v in values) expected += v;

        using var prepared = new StoredTensorPlan(tensor).Prepare(tensor.Name, context);
        var mapping = prepared.Stored!.Bytes(0, 1);

        // Without the context's observer, a pass maps in the whole tensor and keeps it.
        Assert.Equal(expected, SumOfAll(new ChunkRunner(2), prepared));
        Assert.True(MappingRss.OfMappingHolding(mapping) >= tensor.ByteLength * 9 / 10, "an unobserved pass keeps its pages");

        Assert.Equal(expected, SumOfAll(context.Runner, prepared));
        Assert.InRange(MappingRss.OfMappingHolding(mapping), 0, 2L * Environment.SystemPageSize);
    }
}
