using System.Buffers;
using System.Text.Json;
using ModelMerge.Formats;
using ModelMerge.Formats.Numerics;
using ModelMerge.Formats.Safetensors;

namespace ModelMerge.TestData;

/// <summary>What to generate: a base model, or a fine-tune of one (base values plus a small delta).</summary>
/// <param name="BaseSeed">Seeds the base weights; fine-tunes of one base share it.</param>
/// <param name="FineTuneSeed">Seeds the fine-tune's delta; null generates the base itself.</param>
/// <param name="DeltaScale">Size of the fine-tune's change relative to the weights' scale.</param>
/// <param name="IntegerBuffer">Adds an I64 tensor that merges must carry through unchanged.</param>
public sealed record GeneratedModel(LlamaShape Shape, DType DType = DType.BF16, ulong BaseSeed = 1, ulong? FineTuneSeed = null,
    double DeltaScale = 0.1, long MaxShardBytes = 5_000_000_000, bool IntegerBuffer = false);

/// <summary>
/// Writes small (or TinyLlama-sized) Hugging Face llama folders with deterministic values:
/// every value is a function of (seed, tensor name, index), so a test can recompute any
/// input element on its own. Tests ship no binaries; they call this.
/// </summary>
public static class LlamaCheckpointGenerator
{
    public const string IntegerBufferName = "model.position_ids";

    public static string Write(string folder, GeneratedModel model)
    {
        Directory.CreateDirectory(folder);
        var tensors = Specs(model);
        var plan = ShardPlan.Create(tensors, model.MaxShardBytes);
        using (var writer = new CheckpointWriter(folder, plan, new Dictionary<string, string> { ["format"] = "pt" }))
        {
            foreach (var tensor in tensors)
            {
                writer.BeginTensor(tensor.Name);
                if (tensor.DType == DType.I64) WriteIntegers(writer, tensor);
                else WriteFloats(writer, tensor, model);
            }
            writer.Complete();
        }
        WriteCompanions(folder, model);
        return folder;
    }

    public static IReadOnlyList<OutputTensor> Specs(GeneratedModel model)
    {
        var list = model.Shape.Tensors().Select(t => new OutputTensor(t.Name, model.DType, t.Shape)).ToList();
        if (model.IntegerBuffer) list.Insert(1, new OutputTensor(IntegerBufferName, DType.I64, [1, 16]));
        return list;
    }

    /// <summary>The exact float32 value element <paramref name="index"/> of a tensor had before rounding to the file's dtype.</summary>
    public static float Value(GeneratedModel model, string tensor, long index) => new TensorValues(model, tensor).At(index);

    /// <summary>One tensor's value formula with its keys hashed once, not once per element.</summary>
    private readonly struct TensorValues
    {
        private readonly ulong _baseKey;
        private readonly ulong _fineTuneKey;
        private readonly bool _isFineTune;
        private readonly float _scale;
        private readonly float _center;
        private readonly float _deltaScale;

        public TensorValues(GeneratedModel model, string tensor)
        {
            bool isNorm = tensor.EndsWith("norm.weight", StringComparison.Ordinal);
            _scale = isNorm ? 0.05f : 0.02f;
            _center = isNorm ? 1f : 0f;
            _baseKey = Key(model.BaseSeed, tensor);
            _isFineTune = model.FineTuneSeed is not null;
            _fineTuneKey = _isFineTune ? Key(model.FineTuneSeed!.Value ^ 0xF17E_7E57, tensor) : 0;
            _deltaScale = (float)(_scale * model.DeltaScale);
        }

        public float At(long index)
        {
            float value = _center + _scale * Uniform(_baseKey, index);
            if (_isFineTune) value += _deltaScale * Uniform(_fineTuneKey, index);
            return value;
        }
    }

    private static void WriteFloats(CheckpointWriter writer, OutputTensor tensor, GeneratedModel model)
    {
        long count = ShapeMath.ElementCount(tensor.Shape);
        const int block = 1 << 22;
        int size = tensor.DType.SizeOf();
        var values = new float[Math.Min(block, count)];
        var bytes = ArrayPool<byte>.Shared.Rent(values.Length * size);
        try
        {
            for (long start = 0; start < count; start += block)
            {
                int n = (int)Math.Min(block, count - start);
                var formula = new TensorValues(model, tensor.Name);
                Parallel.For(0, (n + 65535) / 65536, part =>
                {
                    int from = part * 65536, to = Math.Min(n, from + 65536);
                    for (int i = from; i < to; i++) values[i] = formula.At(start + i);
                });
                ElementConversion.FromSingle(tensor.DType, values.AsSpan(0, n), bytes.AsSpan(0, n * size));
                writer.Write(bytes.AsSpan(0, n * size));
            }
        }
        finally { ArrayPool<byte>.Shared.Return(bytes); }
    }

    private static void WriteIntegers(CheckpointWriter writer, OutputTensor tensor)
    {
        long count = ShapeMath.ElementCount(tensor.Shape);
        var bytes = new byte[count * 8];
        for (long i = 0; i < count; i++) BitConverter.TryWriteBytes(bytes.AsSpan((int)i * 8), i);
        writer.Write(bytes);
    }

    private static ulong Key(ulong seed, string tensor)
    {
        ulong hash = 0xCBF2_9CE4_8422_2325;
        foreach (char c in tensor)
        {
            hash ^= c;
            hash *= 0x0000_0100_0000_01B3;
        }
        return Mix(seed * 0x9E37_79B9_7F4A_7C15 ^ hash);
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 33)) * 0xFF51_AFD7_ED55_8CCD;
        z = (z ^ (z >> 33)) * 0xC4CE_B9FE_1A85_EC53;
        return z ^ (z >> 33);
    }

    /// <summary>Uniform in [−1, 1) with 24 bits of resolution.</summary>
    private static float Uniform(ulong key, long index) =>
        (Mix(key + (ulong)index * 0xD1B5_4A32_D192_ED03) >> 40) * (2f / (1 << 24)) - 1f;

    /// <summary>config.json, generation_config.json and the tokenizer files a Hugging Face llama folder holds beside its weights.</summary>
    internal static void WriteCompanions(string folder, GeneratedModel model)
    {
        var s = model.Shape;
        var config = new Dictionary<string, object>
        {
            ["architectures"] = new[] { "LlamaForCausalLM" },
            ["model_type"] = "llama",
            ["hidden_size"] = s.Hidden,
            ["intermediate_size"] = s.Intermediate,
            ["num_hidden_layers"] = s.Layers,
            ["num_attention_heads"] = s.Heads,
            ["num_key_value_heads"] = s.KeyValueHeads,
            ["vocab_size"] = s.Vocab,
            ["max_position_embeddings"] = 2048,
            ["rms_norm_eps"] = 1e-5,
            ["rope_theta"] = 10000.0,
            ["tie_word_embeddings"] = false,
            ["bos_token_id"] = 1,
            ["eos_token_id"] = 2,
            ["hidden_act"] = "silu",
            ["torch_dtype"] = model.DType.ToTorchName(),
        };
        var indented = new JsonSerializerOptions { WriteIndented = true };
        File.WriteAllText(Path.Combine(folder, "config.json"), JsonSerializer.Serialize(config, indented));
        File.WriteAllText(Path.Combine(folder, "generation_config.json"),
            JsonSerializer.Serialize(new { bos_token_id = 1, eos_token_id = 2, max_length = 2048 }, indented));
        var vocab = new Dictionary<string, int> { ["<unk>"] = 0, ["<s>"] = 1, ["</s>"] = 2 };
        for (int i = 3; i < s.Vocab; i++) vocab[$"tok{i}"] = i;
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), JsonSerializer.Serialize(new
        {
            version = "1.0",
            model = new { type = "WordLevel", vocab, unk_token = "<unk>" },
        }));
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"),
            JsonSerializer.Serialize(new { bos_token = "<s>", eos_token = "</s>", unk_token = "<unk>", model_max_length = 2048 }, indented));
        File.WriteAllText(Path.Combine(folder, "special_tokens_map.json"),
            JsonSerializer.Serialize(new { bos_token = "<s>", eos_token = "</s>", unk_token = "<unk>" }, indented));
    }
}
