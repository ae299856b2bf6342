using ModelMerge.Formats;
using ModelMerge.TestData;

namespace ModelMerge.Benchmarks;

/// <summary>A model size to benchmark on: a base and two fine-tunes of it, all generated.</summary>
public sealed record BenchmarkPreset(string Name, LlamaShape Shape, string Description)
{
    /// <summary>TinyLlama-1.1B in bf16: the card's reference size, 2.2 GB per model.</summary>
    public static BenchmarkPreset TinyLlama { get; } =
        new("tinyllama", LlamaShape.TinyLlama1B, "TinyLlama-1.1B shape, bf16, base + 2 fine-tunes");

    /// <summary>
    /// OpenLLaMA-3B in bf16, 6.9 GB per model: three times the reference size, to show how time
    /// and memory grow with the model. Its embedding and head (205 MB each) are the largest
    /// tensors a pass streams through.
    /// </summary>
    public static BenchmarkPreset OpenLlama3B { get; } =
        new("openllama3b", new LlamaShape(Hidden: 3200, Intermediate: 8640, Layers: 26, Heads: 32, KeyValueHeads: 32, Vocab: 32000),
            "OpenLLaMA-3B shape, bf16, base + 2 fine-tunes");

    /// <summary>About 60 MB per model: checks that the benchmark runs end to end in seconds.</summary>
    public static BenchmarkPreset Small { get; } =
        new("small", new LlamaShape(Hidden: 512, Intermediate: 1376, Layers: 8, Heads: 8, KeyValueHeads: 4, Vocab: 8000),
            "small llama shape, bf16, base + 2 fine-tunes (smoke run)");

    public static IReadOnlyList<BenchmarkPreset> All { get; } = [TinyLlama, OpenLlama3B, Small];

    /// <summary>The base (index 0) and its fine-tunes; the seeds match the Host's demo checkpoints.</summary>
    public IReadOnlyList<(string Name, GeneratedModel Model)> Models { get; } =
    [
        ("base", new GeneratedModel(Shape, DType.BF16, BaseSeed: 1, FineTuneSeed: null)),
        ("ft1", new GeneratedModel(Shape, DType.BF16, BaseSeed: 1, FineTuneSeed: 1)),
        ("ft2", new GeneratedModel(Shape, DType.BF16, BaseSeed: 1, FineTuneSeed: 2)),
    ];

    public static BenchmarkPreset? Find(string name) =>
        All.FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
}
