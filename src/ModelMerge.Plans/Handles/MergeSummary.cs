namespace ModelMerge.Plans.Handles;

/// <summary>
/// How a computed checkpoint came about, for its model card (merge-semantics §7.6): the method
/// by its display name and paper, the base, the models merged, and — when the merge came from a
/// mergekit recipe — the recipe's text as given.
/// </summary>
public sealed record MergeSummary(string Method, string DisplayName, string? Reference, string? Base, IReadOnlyList<string> Models)
{
    /// <summary>The recipe text, kept verbatim for mergekit_config.yml; null when the merge was built in PowerShell.</summary>
    public string? RecipeText { get; init; }
}
