namespace ModelMerge.Benchmarks;

/// <summary>The devices a --device value names: merges on the CPU, on the GPU, or each on both for the GPU's speed-up.</summary>
public static class BenchmarkDevices
{
    public static string[]? Parse(string value) => value.ToLowerInvariant() switch
    {
        "cpu" => ["Cpu"],
        "cuda" => ["Cuda"],
        "both" => ["Cpu", "Cuda"],
        _ => null,
    };
}
