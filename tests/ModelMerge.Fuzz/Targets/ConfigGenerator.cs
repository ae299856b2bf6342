using System.Text;
using ModelMerge.Fuzz.Mutation;

namespace ModelMerge.Fuzz.Targets;

/// <summary>
/// config.json files: a Llama-style config with its keys in any order and values of every JSON
/// kind (nested <c>rope_scaling</c> and <c>quantization_config</c>, lists of token ids), a
/// <c>_name_or_path</c> drawn from hub ids, paths and hostile strings; then duplicated keys at
/// any level, deep nesting, huge and non-JSON numbers, byte order marks and other encodings,
/// and blind byte edits.
/// </summary>
public static class ConfigGenerator
{
    private static readonly ByteMutator Mutator = new(
        HostileValues.JsonDictionary("_name_or_path", "torch_dtype", "architectures", "num_hidden_layers", "rope_scaling"),
        maxLength: 1 << 20);

    private static readonly string[] Names =
    [
        "meta-llama/Llama-2-7b-hf", "mistralai/Mistral-7B-v0.1", "org/model.v2-final", "/home/user/models/llama", "./ft-chat",
        "C:\\models\\llama", "org/sub/model", "org/", "/org", "-org/model", "org/model\n", "org/mödel",
    ];

    public static byte[] Generate(Random random)
    {
        var members = new List<string>
        {
            Member("_name_or_path", random.Next(6) == 0 ? NameValue(random) : JsonSpelling.Quote(Names[random.Next(Names.Length)], random), random),
            Member("architectures", JsonSpelling.Array([JsonSpelling.Quote("LlamaForCausalLM", random)], random), random),
            Member("attention_bias", "false", random),
            Member("bos_token_id", "1", random),
            Member("eos_token_id", random.Next(2) == 0 ? "2" : "[2, 32000]", random),
            Member("hidden_act", "\"silu\"", random),
            Member("hidden_size", "4096", random),
            Member("initializer_range", "0.02", random),
            Member("max_position_embeddings", "4096", random),
            Member("model_type", "\"llama\"", random),
            Member("num_attention_heads", "32", random),
            Member("num_hidden_layers", "32", random),
            Member("rms_norm_eps", "1e-05", random),
            Member("rope_scaling", random.Next(2) == 0 ? "null" : JsonSpelling.Object([Member("type", "\"linear\"", random), Member("factor", "2.0", random)], random), random),
            Member("rope_theta", "10000.0", random),
            Member("tie_word_embeddings", "false", random),
            Member("torch_dtype", "\"bfloat16\"", random),
            Member("transformers_version", "\"4.40.0\"", random),
            Member("use_cache", "true", random),
            Member("vocab_size", "32000", random),
        };
        if (random.Next(3) == 0)
            members.Add(Member("quantization_config", JsonSpelling.Object([Member("bits", "4", random), Member("modules_to_not_convert", "[\"lm_head\"]", random),
                Member("nested", JsonSpelling.Object([Member("a", "{\"b\": [1, {\"c\": null}]}", random)], random), random)], random), random));

        int keep = random.Next(4) == 0 ? random.Next(members.Count + 1) : members.Count;
        members = members.OrderBy(_ => random.Next(5) == 0 ? random.Next() : 0).Take(keep).ToList();
        int edits = random.Next(3) == 0 ? 0 : 1 + random.Next(3);
        for (int i = 0; i < edits; i++) Edit(members, random);

        string json = random.Next(40) == 0
            ? HostileValues.Pick(random, ["", "[]", "null", "\"config\"", "1", "{", "{}}", "{} {}", "[{}]", "{\"a\":1,}", "{'a':1}", "{\"a\":1 // c\n}"])
            : JsonSpelling.Object(members, random);
        byte[] bytes = Encode(json, random);
        return random.Next(4) == 0 ? Mutator.Mutate(bytes, random) : bytes;
    }

    private static string Member(string name, string value, Random random) => JsonSpelling.Member(name, value, random);

    private static string NameValue(Random random) => random.Next(3) switch
    {
        0 => JsonSpelling.Quote(HostileValues.Pick(random, HostileValues.Strings), random),
        1 => HostileValues.Pick(random, [.. HostileValues.Numbers, .. HostileValues.Literals, "[]", "{}", "[\"org/model\"]"]),
        _ => JsonSpelling.Quote("org/" + HostileValues.Pick(random, HostileValues.Strings), random),
    };

    private static void Edit(List<string> members, Random random)
    {
        int at = random.Next(members.Count + 1);
        switch (random.Next(7))
        {
            case 0 when members.Count > 0:
                members.Insert(at, members[random.Next(members.Count)]);
                break;
            case 1:
                members.Insert(at, Member("nested", JsonSpelling.Object([Member("k", "1", random), Member(random.Next(2) == 0 ? "k" : "\\u006b", "2", random)], random), random));
                break;
            case 2:
                members.Insert(at, Member("deep", JsonSpelling.Nested(random.Next(2) == 0 ? 60 + random.Next(8) : 1 + random.Next(20), "1", random), random));
                break;
            case 3:
                members.Insert(at, Member(HostileValues.Pick(random, HostileValues.Strings), JsonSpelling.Quote(HostileValues.Pick(random, HostileValues.Strings), random), random));
                break;
            case 4:
                members.Insert(at, Member("num_hidden_layers", HostileValues.Pick(random, HostileValues.Numbers), random));
                break;
            case 5:
                members.Insert(at, Member("torch_dtype", HostileValues.Pick(random, ["null", "1", "{}", "\"\"", "\"float8\"", JsonSpelling.Quote("\ud800")]), random));
                break;
            default:
                members.Insert(at, Member("wide", JsonSpelling.Array(Enumerable.Range(0, random.Next(8) == 0 ? 5000 : 50).Select(i => (i % 7).ToString(System.Globalization.CultureInfo.InvariantCulture)), random), random));
                break;
        }
    }

    /// <summary>Mostly UTF-8; sometimes with a byte order mark, or in UTF-16 with its mark, as editors on Windows save it.</summary>
    private static byte[] Encode(string json, Random random) => random.Next(20) switch
    {
        0 => [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(json)],
        1 => [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(json)],
        _ => Encoding.UTF8.GetBytes(json),
    };
}
