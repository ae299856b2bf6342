namespace ModelMerge.Formats;

/// <summary>
/// What the common architectures' tensor names say about a tensor's role (merge-semantics §1.4,
/// §7.2): the embedding-type weights whose rows are the vocabulary, and the output head that a
/// model may tie to its input embedding instead of storing.
/// </summary>
public static class TensorRoles
{
    public const string OutputHead = "lm_head.weight";

    private static readonly string[] InputEmbeddings =
        ["model.embed_tokens.weight", "transformer.wte.weight", "model.decoder.embed_tokens.weight", "gpt_neox.embed_in.weight", "transformer.word_embeddings.weight"];

    private static readonly string[] EmbeddingSuffixes =
        ["embed_tokens.weight", "lm_head.weight", "wte.weight", "embed_in.weight", "embed_out.weight", "word_embeddings.weight"];

    private static readonly string[] BufferSuffixes = ["rotary_emb.inv_freq", "attn.masked_bias"];

    /// <summary>
    /// A buffer some checkpoints store next to the weights — a rotary cache, an attention mask
    /// constant — that is computed from the config, not learned: merges carry it from the base
    /// unchanged even when it is floating point.
    /// </summary>
    public static bool IsBuffer(string name) => BufferSuffixes.Any(s => name.EndsWith(s, StringComparison.Ordinal));

    /// <summary>An embedding-type weight: one row per vocabulary entry.</summary>
    public static bool IsEmbedding(string name) => EmbeddingSuffixes.Any(s => name.EndsWith(s, StringComparison.Ordinal));

    /// <summary>The input embedding a missing output head is tied to, among <paramref name="names"/>; null when none is.</summary>
    public static string? TiedEmbedding(string name, Func<string, bool> has) =>
        name == OutputHead ? InputEmbeddings.FirstOrDefault(has) : null;
}
