using ModelMerge.Methods;
using ModelMerge.Methods.Framework;
using ModelMerge.Plans.Parameters;

namespace ModelMerge.Plans.Handles;

/// <summary>
/// Everything one merge step is asked to do, as a recipe says it: the method, the base, the
/// models with their own settings, and the settings for all (the recipe's top-level <c>parameters</c>).
/// </summary>
public sealed record MergeRequest(MergeMethod Method, IReadOnlyList<MergeInput> Inputs)
{
    /// <summary>The base model; null takes the task vectors' base, or none.</summary>
    public CheckpointHandle? Base { get; init; }

    /// <summary>Settings by recipe parameter name for every model and tensor; a model's own settings come first.</summary>
    public IReadOnlyDictionary<string, ParameterSetting> Settings { get; init; } = new Dictionary<string, ParameterSetting>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The base's own settings when the method takes it as one more input (its weight in a linear merge).</summary>
    public IReadOnlyDictionary<string, ParameterSetting>? BaseSettings { get; init; }

    /// <summary>Keys the random sparsifiers' masks.</summary>
    public ulong Seed { get; init; }

    /// <summary>How sign consensus elects a sign.</summary>
    public SignRule SignRule { get; init; } = SignRule.Sum;

    /// <summary>What <c>rescale: true</c> does: mergekit's L1 rule, or the papers' inverse keep probability.</summary>
    public Rescale RescaleRule { get; init; } = Rescale.L1;
}
