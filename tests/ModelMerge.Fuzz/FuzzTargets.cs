using ModelMerge.Fuzz.Harness;
using ModelMerge.Fuzz.Targets;

namespace ModelMerge.Fuzz;

/// <summary>The parsers under test, by the names <c>--target</c> takes.</summary>
public static class FuzzTargets
{
    public static IReadOnlyList<string> Names { get; } =
        [SafetensorsHeaderTarget.TargetName, ShardIndexTarget.TargetName, ConfigTarget.TargetName, RecipeTarget.TargetName];

    public static FuzzTarget Create(string name) => name switch
    {
        SafetensorsHeaderTarget.TargetName => new SafetensorsHeaderTarget(),
        ShardIndexTarget.TargetName => new ShardIndexTarget(),
        ConfigTarget.TargetName => new ConfigTarget(),
        RecipeTarget.TargetName => new RecipeTarget(),
        _ => throw new ArgumentException($"unknown target '{name}'"),
    };
}
