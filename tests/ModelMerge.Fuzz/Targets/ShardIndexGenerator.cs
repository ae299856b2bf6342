using System.Globalization;
using System.Text;
using ModelMerge.Fuzz.Mutation;

namespace ModelMerge.Fuzz.Targets;

/// <summary>
/// <c>model.safetensors.index.json</c> files for <see cref="CheckpointFolderFixture"/>: a valid
/// weight map of its shards, then entries moved to other shards or to path tricks (<c>../</c>,
/// absolute paths, backslashes, NUL, links out of the folder, very long names), entries added,
/// dropped and duplicated, a weight map of the wrong kind, and blind byte edits.
/// </summary>
public sealed class ShardIndexGenerator
{
    private static readonly ByteMutator Mutator = new(
        HostileValues.JsonDictionary("weight_map", "metadata", "total_size", "model-00001-of-00002.safetensors", "../", "/", "evil.weight"),
        maxLength: 1 << 20);

    private readonly string[] _shardNames;

    public ShardIndexGenerator(CheckpointFolderFixture fixture)
    {
        string outsideRelative = "../outside/evil.safetensors";
        _shardNames =
        [
            "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "sub/model-extra.safetensors",
            "linked-inside.safetensors", "linked-outside.safetensors", "linked-outside-abs.safetensors", "linked-sibling.safetensors",
            "dir-outside/evil.safetensors", "dir-sibling/evil.safetensors", "dir-inside/model-extra.safetensors", "self/self/model-00001-of-00002.safetensors",
            "loop-a.safetensors", "dangling.safetensors", "chain-00.safetensors", "chain-30.safetensors", "a-directory.safetensors",
            "empty.safetensors", "truncated.safetensors", "pipe.safetensors", "missing.safetensors",
            outsideRelative, "sub/../../outside/evil.safetensors", "sub/../model-00001-of-00002.safetensors", "./model-00001-of-00002.safetensors",
            "sub//model-extra.safetensors", "sub\\model-extra.safetensors", "..\\outside\\evil.safetensors", "....//outside/evil.safetensors",
            fixture.OutsideFile, Path.Combine(fixture.Folder, "model-00001-of-00002.safetensors"), "/etc/passwd", "//etc/passwd",
            "~/evil.safetensors", "%2e%2e/outside/evil.safetensors", "C:\\Windows\\win.ini", "\\\\server\\share\\evil.safetensors",
            "file:///etc/passwd", "model-00001-of-00002.safetensors\u0000.txt", "", ".", "..", "/", "sub/", "sub",
            "MODEL-00001-OF-00002.SAFETENSORS", "model-00001-of-00002.safetensors ", "mödel.safetensors", "\ud800.safetensors",
            new string('a', 300) + ".safetensors", string.Concat(Enumerable.Repeat("sub/../", 500)) + "model-00001-of-00002.safetensors",
            string.Concat(Enumerable.Repeat("self/", 200)) + "model-00001-of-00002.safetensors", new string('x', 5000),
        ];
    }

    public byte[] Generate(Random random)
    {
        var map = new List<(string Tensor, string Value)>();
        foreach (var (shard, tensors) in CheckpointFolderFixture.Shards)
        {
            if (shard.StartsWith("sub/", StringComparison.Ordinal) && random.Next(2) == 0) continue;
            foreach (var tensor in tensors) map.Add((tensor.Name, JsonSpelling.Quote(shard, random)));
        }
        if (random.Next(3) == 0) map = map.OrderBy(_ => random.Next()).ToList();

        string? weightMapText = null;
        int edits = random.Next(4) == 0 ? 0 : 1 + random.Next(3);
        for (int i = 0; i < edits; i++) weightMapText = Edit(map, random) ?? weightMapText;

        string weightMap = weightMapText ?? JsonSpelling.Object(map.Select(e => JsonSpelling.Member(e.Tensor, e.Value, random)), random);
        string json = Document(weightMap, random);
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        return random.Next(4) == 0 ? Mutator.Mutate(bytes, random) : bytes;
    }

    /// <summary>Edits the map in place; returns replacement text when the edit replaces the whole weight map.</summary>
    private string? Edit(List<(string Tensor, string Value)> map, Random random)
    {
        int at = map.Count == 0 ? 0 : random.Next(map.Count);
        switch (random.Next(14))
        {
            case < 4 when map.Count > 0:
                map[at] = (map[at].Tensor, JsonSpelling.Quote(Pick(random), random));
                return null;
            case 4:
                // An escape attempt on its own: if the shard were let through, the checkpoint would open.
                map.Clear();
                map.Add((random.Next(2) == 0 ? "evil.weight" : "evil.sibling", JsonSpelling.Quote(Pick(random), random)));
                return null;
            case 5 when map.Count > 0:
                map.RemoveAt(at);
                return null;
            case 6 when map.Count > 0:
                map.Insert(random.Next(map.Count + 1), (map[at].Tensor, random.Next(2) == 0 ? map[at].Value : JsonSpelling.Quote(Pick(random), random)));
                return null;
            case 7:
                map.Insert(random.Next(map.Count + 1), (HostileValues.Pick(random, HostileValues.Strings), JsonSpelling.Quote(Pick(random), random)));
                return null;
            case 8 when map.Count > 0:
                map[at] = (map[at].Tensor, HostileValues.Pick(random, [.. HostileValues.Numbers, .. HostileValues.Literals, "{}", "[]", "[\"model-00001-of-00002.safetensors\"]"]));
                return null;
            case 9 when random.Next(8) == 0:
                int count = random.Next(10) == 0 ? 20_000 : 1000;
                for (int i = 0; i < count; i++) map.Add(("t" + i.ToString(CultureInfo.InvariantCulture), "\"model-00001-of-00002.safetensors\""));
                return null;
            case 10 when map.Count > 0:
                map[at] = (map[at].Tensor.ToUpperInvariant(), map[at].Value);
                return null;
            case 11:
                return HostileValues.Pick(random, ["[]", "null", "\"model.safetensors\"", "{}", "1", "[{\"a\":\"b\"}]", JsonSpelling.Nested(5 + random.Next(20), "{}", random)]);
            default:
                return null;
        }
    }

    private string Pick(Random random) => _shardNames[random.Next(_shardNames.Length)];

    private static string Document(string weightMap, Random random)
    {
        var members = new List<string>();
        switch (random.Next(10))
        {
            case 0: break;
            case 1: members.Add(JsonSpelling.Member("metadata", HostileValues.Pick(random, ["null", "[]", "\"x\"", "{\"total_size\":-1}", "{\"total_size\":1e999}"]), random)); break;
            default: members.Add(JsonSpelling.Member("metadata", "{\"total_size\":48}", random)); break;
        }
        switch (random.Next(24))
        {
            case 0: break;
            case 1: members.Add(JsonSpelling.Member("weightmap", weightMap, random)); break;
            case 2: members.Add(JsonSpelling.Member("weight_map", "{}", random)); members.Add(JsonSpelling.Member("weight_map", weightMap, random)); break;
            default: members.Add(JsonSpelling.Member("weight_map", weightMap, random)); break;
        }
        if (random.Next(3) == 0) members.Reverse();
        return random.Next(40) switch
        {
            0 => JsonSpelling.Array(members.Select(m => "{" + m + "}"), random),
            1 => HostileValues.Pick(random, ["", "null", "\"weight_map\"", "{", "{}}", JsonSpelling.Nested(20, "{}", random)]),
            _ => JsonSpelling.Object(members, random),
        };
    }
}
