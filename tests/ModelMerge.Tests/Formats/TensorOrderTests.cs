using ModelMerge.Formats;

namespace ModelMerge.Tests.Formats;

public sealed class TensorOrderTests
{
    [Fact]
    public void Order_puts_embeddings_first_then_blocks_by_number_then_the_rest_each_group_by_name()
    {
        string[] shuffled =
        [
            "model.norm.weight", "model.layers.10.mlp.up_proj.weight", "transformer.wte.weight", "lm_head.weight",
            "model.layers.2.self_attn.q_proj.weight", "model.layers.9.input_layernorm.weight", "model.embed_tokens.weight",
            "model.layers.2.input_layernorm.weight",
        ];
        string[] expected =
        [
            "model.embed_tokens.weight", "transformer.wte.weight",
            "model.layers.2.input_layernorm.weight", "model.layers.2.self_attn.q_proj.weight",
            "model.layers.9.input_layernorm.weight", "model.layers.10.mlp.up_proj.weight",
            "lm_head.weight", "model.norm.weight",
        ];

        var ordered = TensorOrder.Order(shuffled.Select(name => new { Name = name }), t => t.Name).Select(t => t.Name);

        Assert.Equal(expected, ordered);
        Assert.Equal(expected, shuffled.Order(Comparer<string>.Create(TensorOrder.Compare)));
    }
}
