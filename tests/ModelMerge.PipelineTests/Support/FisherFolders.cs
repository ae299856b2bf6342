using System.Runtime.InteropServices;
using ModelMerge.Formats;
using ModelMerge.Formats.Folders;
using ModelMerge.Formats.Safetensors;

namespace ModelMerge.PipelineTests.Support;

/// <summary>
/// The tiny llamas of <see cref="ModelFolders"/> with a stand-in diagonal Fisher for each
/// fine-tune: F32 checkpoints with the model's floating-point tensor names and shapes (its integer
/// buffer left out, as a Fisher of parameters has none) and deterministic values ≥ 0 spread over
/// three decades, every 50th of them 0. Plus two broken ones: a Fisher with one matrix's axes
/// swapped, and one with a single negative value.
/// </summary>
public sealed class FisherFolders : IDisposable
{
    public const string ReshapedTensor = "model.layers.0.mlp.up_proj.weight";
    public const string NegativeTensor = "model.layers.1.mlp.down_proj.weight";
    public const long NegativeElement = 3;

    public FisherFolders()
    {
        Write(Fisher1, Models.FineTuned1, seed: 1);
        Write(Fisher2, Models.FineTuned2, seed: 2);
        Write(Models.Output("fisher-reshaped"), Models.FineTuned2, seed: 2,
            reshape: (name, shape) => name == ReshapedTensor ? [shape[1], shape[0]] : shape);
        Write(Models.Output("fisher-negative"), Models.FineTuned2, seed: 2,
            change: (name, values) => { if (name == NegativeTensor) values[NegativeElement] = -1e-3f; });
    }

    public ModelFolders Models { get; } = new();

    public string Fisher1 => Models.Output("fisher1");

    public string Fisher2 => Models.Output("fisher2");

    /// <summary>Element <paramref name="index"/> of a stand-in Fisher: (1 + h mod 1000)·10⁻⁶ for a hash h of (seed, tensor, index), or 0 when h mod 50 is 0.</summary>
    public static float Value(int seed, string tensor, long index)
    {
        ulong h = 0xCBF2_9CE4_8422_2325 ^ (ulong)seed;
        foreach (char c in tensor) h = (h ^ c) * 0x0000_0100_0000_01B3;
        h += (ulong)(index + 1) * 0x9E37_79B9_7F4A_7C15;
        h = (h ^ (h >> 30)) * 0xBF58_476D_1CE4_E5B9;
        h = (h ^ (h >> 27)) * 0x94D0_49BB_1331_11EB;
        h ^= h >> 31;
        return h % 50 == 0 ? 0f : (1 + h % 1000) * 1e-6f;
    }

    private static void Write(string folder, string model, int seed,
        Func<string, long[], long[]>? reshape = null, Action<string, float[]>? change = null)
    {
        var tensors = SafetensorsCheckpoint.Open(model).Tensors.Where(t => t.DType.IsMergeable()).ToList();
        var outputs = tensors.Select(t => new OutputTensor(t.Name, DType.F32, reshape?.Invoke(t.Name, t.Shape) ?? t.Shape)).ToList();
        Directory.CreateDirectory(folder);
        using var writer = new CheckpointWriter(folder, ShardPlan.Create(outputs, ShardPlan.DefaultMaxShardBytes), new Dictionary<string, string> { ["format"] = "pt" });
        foreach (var tensor in tensors)
        {
            var values = new float[tensor.ElementCount];
            for (long j = 0; j < values.Length; j++) values[j] = Value(seed, tensor.Name, j);
            change?.Invoke(tensor.Name, values);
            writer.BeginTensor(tensor.Name);
            writer.Write(MemoryMarshal.AsBytes(values.AsSpan()));
        }
        writer.Complete();
    }

    public void Dispose() => Models.Dispose();
}
