using System.Globalization;
using ModelMerge.Formats;
using ModelMerge.TestData;

namespace ModelMerge.PipelineTests.Support;

/// <summary>One generated input of the record: how to generate it and its tensors' digest lines.</summary>
public sealed record RecordedInput(string Name, GeneratedModel Model, IReadOnlyList<string> Tensors);

/// <summary>One pipeline of the record and the digest lines of the weights the Foundation build wrote for it.</summary>
public sealed record RecordedCase(string Name, string Pipeline, IReadOnlyList<string> Weights);

/// <summary>
/// tests/foundation/foundation-digests.txt, written by Record-FoundationDigests.ps1 from the
/// Foundation build's outputs. Its digest lines have <see cref="WeightDigests"/>' format.
/// </summary>
public sealed record FoundationRecord(string Commit, IReadOnlyList<RecordedInput> Inputs, IReadOnlyList<RecordedCase> Cases)
{
    public static string FilePath => Path.Combine(AppContext.BaseDirectory, "foundation", "foundation-digests.txt");

    public static FoundationRecord Load()
    {
        string? commit = null;
        var inputs = new List<RecordedInput>();
        var cases = new List<RecordedCase>();
        foreach (var group in Groups(File.ReadAllLines(FilePath)))
        {
            var words = group.Head.Split(' ');
            switch (words[0])
            {
                case "foundation": commit = words[1]; break;
                case "generator": break;
                case "input": inputs.Add(new RecordedInput(words[1], Model(words.Skip(2)), group.Body)); break;
                case "case":
                    const string pipeline = "pipeline ";
                    if (group.Body.Count == 0 || !group.Body[0].StartsWith(pipeline, StringComparison.Ordinal))
                        throw new FormatException($"case {words[1]} has no pipeline line");
                    cases.Add(new RecordedCase(words[1], group.Body[0][pipeline.Length..], group.Body.Skip(1).ToList()));
                    break;
                default: throw new FormatException($"unknown record line '{group.Head}'");
            }
        }
        return new FoundationRecord(commit ?? throw new FormatException("no foundation line"), inputs, cases);
    }

    /// <summary>Each unindented line with the indented lines under it; comments and blank lines skipped.</summary>
    private static IEnumerable<(string Head, List<string> Body)> Groups(IEnumerable<string> lines)
    {
        (string Head, List<string> Body)? current = null;
        foreach (var line in lines)
        {
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (line.StartsWith("  ", StringComparison.Ordinal))
            {
                (current ?? throw new FormatException($"indented line before any heading: '{line}'")).Body.Add(line[2..]);
                continue;
            }
            if (current is not null) yield return current.Value;
            current = (line, []);
        }
        if (current is not null) yield return current.Value;
    }

    private static GeneratedModel Model(IEnumerable<string> settings)
    {
        var s = settings.Select(w => w.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
        int Int(string key) => int.Parse(s[key], CultureInfo.InvariantCulture);
        var shape = new LlamaShape(Int("Hidden"), Int("Intermediate"), Int("Layers"), Int("Heads"), Int("KeyValueHeads"), Int("Vocab"));
        return new GeneratedModel(shape, Enum.Parse<DType>(s["DType"]),
            BaseSeed: ulong.Parse(s["BaseSeed"], CultureInfo.InvariantCulture),
            FineTuneSeed: s["FineTuneSeed"] == "-" ? null : ulong.Parse(s["FineTuneSeed"], CultureInfo.InvariantCulture),
            DeltaScale: double.Parse(s["DeltaScale"], CultureInfo.InvariantCulture),
            MaxShardBytes: long.Parse(s["MaxShardBytes"], CultureInfo.InvariantCulture),
            IntegerBuffer: bool.Parse(s["IntegerBuffer"]));
    }
}
