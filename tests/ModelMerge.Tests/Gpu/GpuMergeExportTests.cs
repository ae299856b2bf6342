using ModelMerge.Methods;
using ModelMerge.Plans.Devices;
using ModelMerge.Plans.Export;
using ModelMerge.Plans.Handles;
using ModelMerge.Plans.Parameters;
using ModelMerge.TestData;
using ModelMerge.Tests.Formats;
using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Gpu;

/// <summary>
/// The card's merges exported through the (simulated) GPU write, file for file, the bytes the
/// CPU backend writes, and the GPU computes every floating-point tensor of them. The wide
/// llama's embeddings span three grid chunks, so chunk-ordered sums and the top-k cut across
/// chunks are in play.
/// </summary>
[Collection(SimulatedDeviceCollection.Name)]
public sealed class GpuMergeExportTests(SimulatedDevice device) : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string, string> Merges => new()
    {
        { "tiny", "ties" }, { "tiny", "dare_ties" }, { "tiny", "dare_linear" }, { "tiny", "task_arithmetic" }, { "tiny", "linear" }, { "tiny", "slerp" },
        { "wide", "ties" }, { "wide", "slerp" },
    };

    private GeneratedLlamaSet Llamas(string shape) =>
        new(_folder.Combine(shape), shape == "wide" ? GeneratedLlamas.Wide : LlamaShape.Tiny);

    private static CheckpointHandle Merge(GeneratedLlamaSet set, string method) => method switch
    {
        "linear" => LinearMerge.Build([set.Base, .. set.FineTunes], [0.5, 0.3, 0.2]),
        "slerp" => MethodMerge.Build(new MergeRequest(MergeMethods.Find("slerp")!, [MergeInput.Of(set.FineTunes[1])])
        {
            Base = set.FineTunes[0],
            Settings = new Dictionary<string, ParameterSetting>(StringComparer.OrdinalIgnoreCase) { ["t"] = ParameterSetting.Of(0.3) },
        }),
        _ => TaskArithmeticMerge.Build(TaskArithmeticMethod.Find(method)!, set.TaskVectors(1.0, -0.4),
            new TaskArithmeticOptions { Density = [0.3], Lambda = 0.9, Seed = 77 }),
    };

    [Theory]
    [MemberData(nameof(Merges))]
    public void The_gpu_writes_the_cpu_bytes_and_computes_every_float_tensor(string shape, string method)
    {
        var merged = Merge(Llamas(shape), method);
        var said = new List<string>();

        var gpu = CheckpointExporter.Export(merged, _folder.Combine($"gpu-{shape}-{method}"), new ExportOptions { Accelerator = device.Gpu }, verbose: said.Add);
        var cpu = CheckpointExporter.Export(merged, _folder.Combine($"cpu-{shape}-{method}"), new ExportOptions { Device = ComputeDevice.Cpu });

        Assert.Equal(SafetensorsFiles.WeightFileBytes(cpu.Path), SafetensorsFiles.WeightFileBytes(gpu.Path));
        int floats = merged.Tensors.Count(t => t.IsMergeable);
        Assert.Contains($"The GPU computed {floats} of {merged.TensorCount} tensors; the CPU copied or computed the rest.", said);
    }
}
