namespace ModelMerge.Plans.Parameters;

/// <summary>
/// A per-model parameter as users give it (merge-semantics §1.3): one setting is every model's
/// (the merge-wide level), one per model goes to each model's own settings.
/// </summary>
public static class PerModelSettings
{
    public const string CountMismatch = "ParameterCountMismatch";

    /// <param name="perModel">Each model's own settings, in input order.</param>
    /// <param name="baseSettings">The base's own settings when the method takes it as one more input; its value comes last.</param>
    public static void Spread(string name, IReadOnlyList<ParameterSetting>? values, IDictionary<string, ParameterSetting> shared,
        IReadOnlyList<IDictionary<string, ParameterSetting>> perModel, IDictionary<string, ParameterSetting>? baseSettings = null)
    {
        if (values is null || values.Count == 0) return;
        if (values.Count == 1)
        {
            shared[name] = values[0];
            return;
        }
        int expected = perModel.Count + (baseSettings is null ? 0 : 1);
        if (values.Count != expected)
            throw new PlanException(CountMismatch,
                $"{name} has {values.Count} values for {expected} models; give one value, or one per model{(baseSettings is null ? "" : " (the base last)")}.", name);
        for (int i = 0; i < perModel.Count; i++) perModel[i][name] = values[i];
        if (baseSettings is not null) baseSettings[name] = values[^1];
    }

    /// <summary>An empty settings map per model, keyed as recipes are (case-insensitively).</summary>
    public static List<Dictionary<string, ParameterSetting>> Empty(int models) =>
        Enumerable.Range(0, models).Select(_ => new Dictionary<string, ParameterSetting>(StringComparer.OrdinalIgnoreCase)).ToList();
}
