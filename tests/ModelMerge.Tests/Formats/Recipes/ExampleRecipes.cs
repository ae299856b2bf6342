namespace ModelMerge.Tests.Formats.Recipes;

/// <summary>The recipes of merge-semantics §8.2, verbatim, and the shorter forms it calls "also valid".</summary>
internal static class ExampleRecipes
{
    public const string R1LinearSoup = """
        merge_method: linear
        models:
          - model: ./ft-chat
            parameters:
              weight: 1.0
          - model: ./ft-code
            parameters:
              weight:
                - filter: mlp
                  value: 0.6
                - value: 0.3
          - model: ./ft-math
            parameters:
              weight: 0.5
        parameters:
          normalize: true
        dtype: bfloat16
        """;

    public const string R2SlerpGradients = """
        merge_method: slerp
        base_model: ./ft-chat
        models:
          - model: ./ft-chat
          - model: ./ft-code
        parameters:
          t:
            - filter: self_attn
              value: [0, 0.5, 0.3, 0.7, 1]
            - filter: mlp
              value: [1, 0.5, 0.7, 0.3, 0]
            - value: 0.5
        dtype: bfloat16
        """;

    public const string R3Ties = """
        merge_method: ties
        base_model: ./base
        models:
          - model: ./ft-math
            parameters:
              density: [0.7, 0.3]          # gradient over depth
              weight: 1.0
          - model: ./ft-code
            parameters:
              density: 0.5
              weight: [0.2, 0.6]
          - model: ./ft-med
            parameters:
              density: 0.4
              weight:
                - filter: mlp
                  value: 0.8
                - value: 0.3
        parameters:
          normalize: true                  # ties default, shown for clarity
          lambda: 1.0
          int8_mask: true                  # no numeric effect
        dtype: bfloat16
        """;

    public const string R4DareTiesUnionTokenizer = """
        merge_method: dare_ties
        base_model: ./base
        models:
          - model: ./ft-a
            parameters: { density: 0.5, weight: 0.5 }
          - model: ./ft-b
            parameters: { density: 0.5, weight: 0.5 }
        parameters:
          rescale: true        # default for dare_*
          normalize: false     # default for dare_ties: agreeing deltas are summed
        tokenizer:
          source: union
          tokens:
            <|im_start|>: { source: ./ft-b }
            <|im_end|>:   { source: ./ft-b, force: true }
          pad_to_multiple_of: 64
        dtype: float32
        out_dtype: bfloat16
        """;

    public const string R5PassthroughFrankenmerge = """
        merge_method: passthrough
        slices:
          - sources:
              - model: ./model-a
                layer_range: [0, 24]
          - sources:
              - model: ./model-b
                layer_range: [16, 32]
                parameters:
                  scale:
                    - filter: o_proj
                      value: 0.5
                    - filter: down_proj
                      value: 0.5
                    - value: 1.0
        dtype: bfloat16
        """;

    public const string NuSlerp = """
        merge_method: nuslerp
        base_model: ./base
        models:
          - model: ./ft-a
            parameters:
              weight: 0.6
          - model: ./ft-b
            parameters:
              weight: 0.4
        """;

    public const string ModelStock = """
        merge_method: model_stock
        base_model: ./base
        models:
          - model: ./ft-a
          - model: ./ft-b
          - model: ./ft-c
        """;

    public const string Della = """
        merge_method: della
        base_model: ./base
        models:
          - model: ./ft-a
            parameters:
              weight: 0.5
          - model: ./ft-b
            parameters:
              weight: 0.3
        parameters:
          density: 0.5
          epsilon: 0.1
          lambda: 1.1
        """;

    /// <summary>Anchors, aliases, flow style and a tokenizer rule of every kind: material for the mutation test.</summary>
    public const string AnchorsAndFlow = """
        merge_method: ties
        base_model: &base {model: {path: org/base, revision: main}}
        models:
          - model: org/ft-a@v2+org/lora-a@r1
            parameters: &shared {weight: [0.2, &d 0.5, 1], density: *d}
          - model: ./ft-b
            parameters: *shared
        parameters: {normalize: yes, t: [{filter: mlp, value: 0.3}, {value: 0.7}]}
        tokenizer:
          source: *base
          tokens:
            "<pad>": {source: {kind: zero}}
            <s>: {source: {kind: model_token, model: ./ft-b, token_id: 1}, force: 1}
        chat_template: |
          {% for m in messages %}{{ m.content }}{% endfor %}
        """;

    public static IReadOnlyList<string> All { get; } =
        [R1LinearSoup, R2SlerpGradients, R3Ties, R4DareTiesUnionTokenizer, R5PassthroughFrankenmerge, NuSlerp, ModelStock, Della, AnchorsAndFlow];
}
