using System.Globalization;

namespace ModelMerge.Fuzz;

/// <summary>
/// <c>--target safetensors-header|shard-index|config|recipe|all --cases N [--seed S] [--seconds T]
/// [--case K] [--findings DIR]</c>. <c>--seconds</c> bounds each target's run; <c>--case</c>
/// reruns one case of a seed and prints what the parser did with it.
/// </summary>
public sealed record FuzzArguments
{
    public required IReadOnlyList<string> Targets { get; init; }
    public long Cases { get; init; } = 100_000;
    public int Seed { get; init; } = 1;
    public TimeSpan? Budget { get; init; }
    public long? ReplayCase { get; init; }
    public string FindingsFolder { get; init; } = "fuzz-findings";

    public const string Usage =
        "usage: modelmerge-fuzz --target safetensors-header|shard-index|config|recipe|all --cases N [--seed S] [--seconds T] [--case K] [--findings DIR]";

    public static FuzzArguments Parse(string[] args)
    {
        string? target = null;
        var parsed = new FuzzArguments { Targets = [] };
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.\n{Usage}");
            switch (args[i])
            {
                case "--target": target = Value(); break;
                case "--cases": parsed = parsed with { Cases = long.Parse(Value(), CultureInfo.InvariantCulture) }; break;
                case "--seed": parsed = parsed with { Seed = int.Parse(Value(), CultureInfo.InvariantCulture) }; break;
                case "--seconds": parsed = parsed with { Budget = TimeSpan.FromSeconds(double.Parse(Value(), CultureInfo.InvariantCulture)) }; break;
                case "--case": parsed = parsed with { ReplayCase = long.Parse(Value(), CultureInfo.InvariantCulture) }; break;
                case "--findings": parsed = parsed with { FindingsFolder = Value() }; break;
                default: throw new ArgumentException($"unknown argument '{args[i]}'.\n{Usage}");
            }
        }
        if (target is null) throw new ArgumentException(Usage);
        var targets = target == "all" ? FuzzTargets.Names : [target];
        foreach (var name in targets)
            if (!FuzzTargets.Names.Contains(name)) throw new ArgumentException($"unknown target '{name}'; targets: {string.Join(", ", FuzzTargets.Names)}, all");
        return parsed with { Targets = targets };
    }
}
