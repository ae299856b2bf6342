namespace ModelMerge.TestData;

/// <summary>The dimensions of a llama-style decoder, enough to name and shape every tensor.</summary>
public sealed record LlamaShape(int Hidden, int Intermediate, int Layers, int Heads, int KeyValueHeads, int Vocab)
{
    /// <summary>A few hundred kilobytes: for unit and pipeline tests.</summary>
    public static LlamaShape Tiny { get; } = new(Hidden: 64, Intermediate: 176, Layers: 2, Heads: 4, KeyValueHeads: 2, Vocab: 256);

    /// <summary>TinyLlama-1.1B's dimensions: 1.1 billion parameters, 2.2 GB in bf16.</summary>
    public static LlamaShape TinyLlama1B { get; } = new(Hidden: 2048, Intermediate: 5632, Layers: 22, Heads: 32, KeyValueHeads: 4, Vocab: 32000);

    /// <summary>Llama-2-70B's dimensions: 69 billion parameters, 138 GB in bf16 (grouped-query attention, 8 key/value heads).</summary>
    public static LlamaShape Llama2_70B { get; } = new(Hidden: 8192, Intermediate: 28672, Layers: 80, Heads: 64, KeyValueHeads: 8, Vocab: 32000);

    public int HeadDim => Hidden / Heads;

    public IReadOnlyList<(string Name, long[] Shape)> Tensors()
    {
        var list = new List<(string, long[])> { ("model.embed_tokens.weight", [Vocab, Hidden]) };
        long kv = (long)KeyValueHeads * HeadDim;
        for (int layer = 0; layer < Layers; layer++)
        {
            string p = $"model.layers.{layer}.";
            list.Add((p + "input_layernorm.weight", [Hidden]));
            list.Add((p + "mlp.down_proj.weight", [Hidden, Intermediate]));
            list.Add((p + "mlp.gate_proj.weight", [Intermediate, Hidden]));
            list.Add((p + "mlp.up_proj.weight", [Intermediate, Hidden]));
            list.Add((p + "post_attention_layernorm.weight", [Hidden]));
            list.Add((p + "self_attn.k_proj.weight", [kv, Hidden]));
            list.Add((p + "self_attn.o_proj.weight", [Hidden, Hidden]));
            list.Add((p + "self_attn.q_proj.weight", [Hidden, Hidden]));
            list.Add((p + "self_attn.v_proj.weight", [kv, Hidden]));
        }
        list.Add(("model.norm.weight", [Hidden]));
        list.Add(("lm_head.weight", [Vocab, Hidden]));
        return list;
    }

    public long ParameterCount => Tensors().Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b));
}
