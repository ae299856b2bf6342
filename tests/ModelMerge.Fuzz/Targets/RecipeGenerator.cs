using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ModelMerge.Fuzz.Mutation;
using ModelMerge.Tests.Formats.Recipes;

namespace ModelMerge.Fuzz.Targets;

/// <summary>
/// mergekit recipes: the examples of merge-semantics §8.2 (R1–R5 and the shorter forms), and
/// recipes drawn from the schema (models or slices, every form of model reference, parameter
/// values and conditions, tokenizer rules) in block and flow style; then hand-edit damage
/// (<see cref="RecipeTextMutator"/>), YAML's sharp edges (tags, anchors and aliases, merge keys,
/// directives, documents, block scalar indicators, escapes, tabs) put where values and keys
/// stand, and shapes that cost (megabyte scalars, ten thousand keys under a long key, nesting
/// at the depth limit, alias fan-out, text at the size limit).
/// </summary>
public static partial class RecipeGenerator
{
    private static readonly string[] Methods =
        ["linear", "slerp", "ties", "dare_ties", "dare_linear", "task_arithmetic", "passthrough", "model_stock", "della", "nuslerp", "karcher", "sce", "breadcrumbs"];

    private static readonly string[] ParameterNames = ["weight", "density", "t", "normalize", "rescale", "lambda", "epsilon", "int8_mask", "scale", "gamma", "select_topk"];

    private static readonly string[] SchemaKeys =
    [
        "merge_method", "base_model", "models", "slices", "modules", "parameters", "dtype", "out_dtype", "tokenizer_source", "tokenizer",
        "chat_template", "model", "lora", "override_architecture", "path", "revision", "sources", "layer_range", "residual_weight",
        "filter", "value", "source", "tokens", "pad_to_multiple_of", "kind", "token", "token_id", "force", "paramters", "<<",
    ];

    /// <summary>Scalars that stand where a value is expected.</summary>
    private static readonly string[] Values =
    [
        "1e999", "-1e999", "-.inf", ".nan", ".NaN", "+.inf", "0x1F", "0o17", "1_000", "-0", "1e-400", "010", "+.5", "1.0e+5", "1e5", "2147483648", "-1",
        "0.5", "1", "0", "[0, 24]", "[24, 0]", "[0]", "[0, 1, 2]", "[-1, 3]", "[0.5, 3]", "[2147483647, 2147483648]", "[1e999, 2]",
        "yes", "No", "on", "OFF", "~", "null", "Null", "", "true", "y", "n",
        "!!str 1", "!!int x", "!!int 1.5", "!!float 1", "!!float abc", "!!bool yes", "!!bool 2", "!!null ''", "!!python/object:os.system", "!!binary aGVsbG8=",
        "!custom x", "!<tag:yaml.org,2002:str> x", "!!map {}", "!!seq []", "!!set {a}", "!!omap [a: 1]", "!!timestamp 2001-12-14", "! x", "!!str",
        "\"\\x00\"", "\"\\uD800\"", "\"\\U0010FFFF\"", "\"\\U00110000\"", "\"\\N\\_\\L\\P\"", "'it''s'", "\"unterminated", "'unterminated",
        "|\n  text", ">-\n  text", "|9\n  x", "|0\n x", "|+\n\n", "|-", ">", "|2-\n   x",
        "&a 1", "*a", "*nope", "&a [*a]", "&b {k: *b}", "[1, 2", "{a: 1, a: 2}", "[[[[1]]]]", "{? a : b}", "{a}", "[a: 1]", "{a: [}",
        "😀", "\u202e", "\u0000", "\ufeff", "\ud800", "\u2028", "\u0085", "../../etc/passwd", "C:\\x", "a@b@c", "a+b+c", "@", "+", "a@", "+lora", " ./a ", "./a@", "./a+",
        "base", "union", "auto", "chatml", "bfloat16", "torch.float16", "float64", "int8", "zero", "model_token",
    ];

    /// <summary>Lines that stand between entries.</summary>
    private static readonly string[] Lines =
    [
        "<<: *a", "---", "...", "--- !!map", "%YAML 1.1", "%YAML 2.0", "%TAG ! tag:example.com,2000:", "? complex\n: value", "&x key: 1", "*x : 1",
        "key: &x\n  - *x", "\tkey: 1", "  \t- 1", "# comment", "- orphan", "[1, 2]: 3", "{a: 1}: 2", "? [a]\n: b", "key: value # comment",
        "key: 'multi\n  line'", "key: \"a\\\n  b\"", ": no key", "key::", "-", "- - - 1", "key: |\n  block\n   deeper\n  back", "\r", "\ufeff", "@reserved", "`reserved",
    ];

    public static string Generate(Random random)
    {
        // Costly shapes are one case in a hundred: each takes milliseconds where the rest take microseconds.
        switch (random.Next(100))
        {
            case < 35:
                return EditText(Example(random), random, 1 + random.Next(4));
            case < 60:
                return Sharpen(Example(random), random);
            case < 99:
                string drawn = Drawn(random).Emit(random);
                return random.Next(3) == 0 ? Sharpen(drawn, random) : random.Next(3) == 0 ? EditText(drawn, random, 1 + random.Next(2)) : drawn;
            default:
                return Costly(random);
        }
    }

    private static string Example(Random random) => ExampleRecipes.All[random.Next(ExampleRecipes.All.Count)];

    private static string EditText(string text, Random random, int edits)
    {
        for (int e = 0; e < edits; e++) text = RecipeTextMutator.Mutate(text, random);
        return text;
    }

    /// <summary>YAML's sharp edges put where values, keys and lines of a recipe stand.</summary>
    private static string Sharpen(string text, Random random)
    {
        var lines = text.Split('\n').ToList();
        int edits = 1 + random.Next(3);
        for (int e = 0; e < edits; e++)
        {
            int at = random.Next(lines.Count);
            string line = lines[at];
            var entry = EntryPattern().Match(line);
            switch (random.Next(9))
            {
                case < 3 when entry.Success:
                    lines[at] = entry.Groups["head"].Value + HostileValues.Pick(random, Values);
                    break;
                case 3 when entry.Success:
                    lines[at] = entry.Groups["indent"].Value + HostileValues.Pick(random, SchemaKeys) + ":" + entry.Groups["rest"].Value;
                    break;
                case 4:
                    string indent = new(' ', line.Length - line.TrimStart(' ').Length);
                    lines.Insert(at, indent + HostileValues.Pick(random, Lines).Replace("\n", "\n" + indent, StringComparison.Ordinal));
                    break;
                case 5 when entry.Success:
                    // An anchor here, an alias to it elsewhere: shared parameters, or a cycle.
                    lines[at] = entry.Groups["head"].Value + "&s " + entry.Groups["value"].Value;
                    int other = random.Next(lines.Count);
                    var target = EntryPattern().Match(lines[other]);
                    if (target.Success) lines[other] = target.Groups["head"].Value + "*s";
                    break;
                case 6:
                    lines.Insert(at, line);
                    break;
                case 7:
                    lines[at] = line.Length == 0 ? line : line.Insert(random.Next(line.Length), HostileValues.Pick(random, ["\t", "\u0000", "\ud800", "\udc00", "\u00a0", "#", ": ", " &", " *", "!", "\\", "\r"]));
                    break;
                default:
                    lines[at] = line.Replace("  ", random.Next(2) == 0 ? "\t" : "   ", StringComparison.Ordinal);
                    break;
            }
        }
        string joined = string.Join(random.Next(10) == 0 ? "\r\n" : "\n", lines);
        return random.Next(20) == 0 ? "\ufeff" + joined : joined;
    }

    [GeneratedRegex(@"^(?<head>(?<indent>\s*(?:-\s+)?)(?<key>[^:#\s][^:#]*?):\s+)(?<value>\S.*)$|^(?<indent>\s*(?:-\s+)?)(?<key>[^:#\s][^:#]*?):(?<rest>.*)$")]
    private static partial Regex EntryPattern();

    /// <summary>A recipe drawn from the schema of merge-semantics §8.1, mostly valid.</summary>
    private static YamlTree Drawn(Random random)
    {
        var top = new List<(string, YamlTree)> { ("merge_method", YamlTree.Scalar(Pick(random, Methods))) };
        if (random.Next(2) == 0) top.Add(("base_model", Reference(random)));
        if (random.Next(3) != 0)
            top.Add(("models", Seq(1 + random.Next(4), () => Map(("model", Reference(random)), random.Next(2) == 0 ? ("parameters", Parameters(random)) : null))));
        else
            top.Add(("slices", Seq(1 + random.Next(3), () => Slice(random))));
        if (random.Next(2) == 0) top.Add(("parameters", Parameters(random)));
        if (random.Next(2) == 0) top.Add(("dtype", YamlTree.Scalar(Mostly(random, ["bfloat16", "float16", "float32", "torch.bfloat16"], ["fp16", "int8", "float64"]))));
        if (random.Next(4) == 0) top.Add(("out_dtype", YamlTree.Scalar(Pick(random, ["bfloat16", "float16", "torch.float32"]))));
        switch (random.Next(6))
        {
            case 0: top.Add(("tokenizer_source", random.Next(2) == 0 ? YamlTree.Scalar(Pick(random, ["base", "union"])) : Reference(random))); break;
            case 1: top.Add(("tokenizer", Tokenizer(random))); break;
        }
        if (random.Next(6) == 0) top.Add(("chat_template", YamlTree.Scalar(Pick(random, ["auto", "chatml", "llama3", "{% for m in messages %}{{ m.content }}{% endfor %}"]))));
        if (random.Next(10) == 0) top.Add((Pick(random, SchemaKeys), new YamlTree.Raw(Pick(random, Values))));
        top = top.DistinctBy(entry => entry.Item1).ToList();
        if (random.Next(3) == 0) top = top.OrderBy(_ => random.Next()).ToList();
        return new YamlTree.Map(top);
    }

    private static YamlTree Slice(Random random)
    {
        int length = 1 + random.Next(8);
        var sources = Seq(1 + random.Next(3), () =>
        {
            int start = random.Next(10) == 0 ? random.Next(-2, 40) : random.Next(32);
            int end = random.Next(10) == 0 ? start + random.Next(-2, 10) : start + length;
            return Map(("model", Reference(random)), ("layer_range", new YamlTree.Seq([Number(start), Number(end)])),
                random.Next(4) == 0 ? ("parameters", Parameters(random)) : null);
        });
        return Map(("sources", sources), random.Next(5) == 0 ? ("base_model", Reference(random)) : null,
            random.Next(4) == 0 ? ("parameters", Parameters(random)) : null, random.Next(10) == 0 ? ("residual_weight", new YamlTree.Raw("0.5")) : null);
    }

    private static YamlTree Reference(Random random)
    {
        string Path() => Mostly(random, ["./ft-a", "./ft-b", "org/model", "/abs/model", "..\\win", "ft", "a b", "mödel"], ["org/model@main", " ", "a+b", ""]);
        string Revision() => Mostly(random, ["main", "v2", "20240101", "abc123"], ["", " ", "a@b"]);
        switch (random.Next(4))
        {
            case 0:
                return Map(("model", random.Next(2) == 0 ? Map(("path", YamlTree.Scalar(Path())), random.Next(2) == 0 ? ("revision", YamlTree.Scalar(Revision())) : null) : YamlTree.Scalar(Path() + "@" + Revision())),
                    random.Next(3) == 0 ? ("lora", Map(("path", YamlTree.Scalar(Path())))) : null,
                    random.Next(5) == 0 ? ("override_architecture", YamlTree.Scalar("MistralForCausalLM")) : null);
            default:
                string text = Path();
                if (random.Next(3) == 0) text += "@" + Revision();
                if (random.Next(4) == 0) text += "+" + Path() + (random.Next(2) == 0 ? "@" + Revision() : "");
                return YamlTree.Scalar(text);
        }
    }

    private static YamlTree Parameters(Random random)
    {
        var entries = new List<(string, YamlTree)>();
        int count = 1 + random.Next(4);
        for (int i = 0; i < count; i++) entries.Add((Pick(random, ParameterNames), Value(random, allowConditions: true)));
        return new YamlTree.Map(entries.DistinctBy(e => e.Item1).ToList());
    }

    private static YamlTree Value(Random random, bool allowConditions) => random.Next(allowConditions ? 6 : 4) switch
    {
        0 => Number(random.NextDouble()),
        1 => new YamlTree.Raw(Pick(random, ["true", "false", "yes", "0", "1"])),
        2 => new YamlTree.Seq(Enumerable.Range(0, 1 + random.Next(5)).Select(_ => Number(Math.Round(random.NextDouble(), 2))).ToList()),
        3 => random.Next(10) == 0 ? new YamlTree.Raw(Pick(random, Values)) : Number(random.Next(3)),
        _ => new YamlTree.Seq(Enumerable.Range(0, 1 + random.Next(3)).Select(_ =>
                Map(random.Next(4) != 0 ? ("filter", YamlTree.Scalar(Mostly(random, ["mlp", "self_attn", "o_proj", "down_proj"], [""]))) : null, ("value", Value(random, allowConditions: false)))).ToList()),
    };

    private static YamlTree Tokenizer(Random random)
    {
        var tokens = new List<(string, YamlTree)>();
        int count = random.Next(4);
        for (int i = 0; i < count; i++)
        {
            YamlTree source = random.Next(3) switch
            {
                0 => Reference(random),
                1 => Map(("kind", YamlTree.Scalar("zero"))),
                _ => Map(("kind", YamlTree.Scalar("model_token")), ("model", Reference(random)),
                    random.Next(2) == 0 ? ("token", YamlTree.Scalar("<s>")) : ("token_id", Number(random.Next(10) == 0 ? -1 : random.Next(5)))),
            };
            tokens.Add((Mostly(random, ["<|im_start|>", "<|im_end|>", "<pad>", "<s>", "tok" + i], [""]), Map(("source", source), random.Next(3) == 0 ? ("force", new YamlTree.Raw("true")) : null)));
        }
        return Map(("source", random.Next(2) == 0 ? YamlTree.Scalar(Pick(random, ["union", "base"])) : Reference(random)),
            count > 0 ? ("tokens", new YamlTree.Map(tokens.DistinctBy(t => t.Item1).ToList())) : null,
            random.Next(3) == 0 ? ("pad_to_multiple_of", Number(random.Next(10) == 0 ? random.Next(-1, 1) : random.Next(1, 130))) : null);
    }

    /// <summary>Inputs whose cost, not content, is the test: every one is within the documented limits or just past them.</summary>
    private static string Costly(Random random)
    {
        const string Head = "merge_method: linear\nmodels:\n  - model: ./a\n";
        int size = random.Next(8) == 0 ? 1 << 20 : 1 << random.Next(10, 18);
        // A plain or quoted key is at most 1024 characters in YAML; an explicit key ("? key") has no limit.
        string longKey = random.Next(2) == 0 ? "? " + new string('k', size / 2) + "\n" : "kkkkkkkkkk";
        switch (random.Next(8))
        {
            case 0:
                return "merge_method: " + new string('x', size) + "\nmodels:\n  - model: ./a\n";
            case 1:
                return Head + longKey + ":\n" + Repeat(i => $"  k{i}: 1\n", size / 2);
            case 2:
                return Head + longKey + ": {" + Repeat(i => $"k{i}: 1, ", size / 2) + "z: 1}\n";
            case 3:
                // Parameters are read value by value, so their keys' paths end up in every node below them.
                return Head + "    parameters:\n      " + longKey.Replace("\n", "\n      ", StringComparison.Ordinal) + ": {filter: x, value: 1, " + Repeat(i => $"k{i}: 1, ", size / 2) + "z: 1}\n";
            case 4:
                int depth = 60 + random.Next(8);
                return Head + string.Concat(Enumerable.Range(0, depth).Select(d => new string(' ', 2 * d) + "d" + d + ":\n")) + new string(' ', 2 * depth) + "x: 1\n";
            case 5:
                return Head + "shared: &a [" + Repeat(i => "1, ", 2000) + "1]\nuse: [" + Repeat(i => "*a, ", 2000) + "*a]\n";
            case 6:
                return Head + "    parameters:\n      weight: &w [" + Repeat(i => "{filter: f, value: 1}, ", 300) + "{value: 1}]\n" +
                       "  - model: ./b\n    parameters: {" + Repeat(i => $"p{i}: *w, ", 500) + "z: *w}\n";
            default:
                string recipe = Example(random);
                return recipe + "\n# " + new string('x', Math.Max(0, RecipeLimitsMaxText - recipe.Length - 3 + random.Next(-2, 3))) + "\n";
        }
    }

    private const int RecipeLimitsMaxText = ModelMerge.Formats.Recipes.RecipeLimits.MaxTextLength;

    private static string Repeat(Func<int, string> item, int budget)
    {
        var text = new StringBuilder();
        for (int i = 0; text.Length < budget; i++) text.Append(item(i));
        return text.ToString();
    }

    private static YamlTree Map(params (string Key, YamlTree Value)?[] entries) =>
        new YamlTree.Map(entries.Where(e => e is not null).Select(e => e!.Value).ToList());

    private static YamlTree Seq(int count, Func<YamlTree> item) => new YamlTree.Seq(Enumerable.Range(0, count).Select(_ => item()).ToList());

    private static YamlTree Number(double value) => new YamlTree.Raw(value.ToString("R", CultureInfo.InvariantCulture));

    private static string Pick(Random random, string[] pool) => pool[random.Next(pool.Length)];

    /// <summary>Mostly from <paramref name="valid"/>: a drawn recipe holds dozens of values and should still mostly read, its errors one at a time.</summary>
    private static string Mostly(Random random, string[] valid, string[] invalid) => random.Next(30) == 0 ? Pick(random, invalid) : Pick(random, valid);
}
