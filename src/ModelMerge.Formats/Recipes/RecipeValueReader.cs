namespace ModelMerge.Formats.Recipes;

/// <summary>
/// Reads parameter settings into <see cref="RecipeValue"/>s (merge-semantics §1.3, §8.1). Only
/// the form is checked here; whether <c>weight</c> may be a gradient or <c>normalize</c> must
/// be a boolean is the plan layer's business, since it knows the method.
/// </summary>
internal static class RecipeValueReader
{
    private const string ParameterForm = "a number, a boolean, a list of numbers or a list of {filter, value} conditions";
    private const string ConditionValueForm = "a number, a boolean or a list of numbers";

    /// <summary>A <c>parameters:</c> mapping: any names (the plan layer checks them), in the order written.</summary>
    public static RecipeMap<RecipeValue> ReadParameters(RecipeNode? node)
    {
        if (node is null) return RecipeMap<RecipeValue>.Empty;
        var mapping = node.Mapping(RecipeErrors.Schema, "a mapping of parameter names to values", knownKeys: null);
        var parameters = new List<KeyValuePair<string, RecipeValue>>();
        foreach (var (name, keyLocation, value) in mapping.Entries)
        {
            if (name.Trim().Length == 0) throw node.Context.Error(RecipeErrors.Schema, keyLocation, "a parameter needs a name");
            parameters.Add(new(name, Read(value)));
        }
        return new RecipeMap<RecipeValue>(parameters);
    }

    /// <summary>One setting in any of the forms of §1.3.</summary>
    public static RecipeValue Read(RecipeNode node)
    {
        if (node.IsMapping) return new RecipeValue.Conditional([ReadCondition(node)]) { Location = node.Location };
        if (node.IsSequence) return ReadList(node, allowConditions: true);
        return ReadScalar(node, ParameterForm, allowText: true);
    }

    private static RecipeValue ReadList(RecipeNode node, bool allowConditions)
    {
        string expected = allowConditions ? ParameterForm : ConditionValueForm;
        var items = node.Sequence(RecipeErrors.Schema, expected);
        if (items[0].IsMapping && allowConditions)
        {
            var conditions = new List<RecipeCondition>(items.Count);
            foreach (var item in items)
            {
                if (!item.IsMapping) throw item.Error(RecipeErrors.Schema, $"a list of conditions holds only {{filter, value}} mappings, found {item.Describe()}");
                conditions.Add(ReadCondition(item));
            }
            return new RecipeValue.Conditional(new RecipeList<RecipeCondition>(conditions)) { Location = node.Location };
        }

        var scalars = new List<YamlScalar>(items.Count);
        foreach (var item in items)
        {
            if (item.IsMapping || item.IsSequence)
                throw item.Error(RecipeErrors.Schema, allowConditions
                    ? $"a list holds numbers, texts or conditions, not {item.Describe()} after {items[0].Describe()}"
                    : $"conditions cannot nest; a condition's value is {ConditionValueForm}, found {item.Describe()} inside a list");
            var scalar = item.Scalar(RecipeErrors.Schema, "a number");
            string? misfit = scalar.Kind switch
            {
                ScalarKind.Null => "nothing (null)",
                ScalarKind.Boolean => $"the boolean {scalar.Text}; booleans cannot vary over layers",
                ScalarKind.NonFinite => $"'{YamlScalar.Shorten(scalar.Text)}'; numbers must be finite",
                _ => null,
            };
            if (misfit is not null) throw item.Error(RecipeErrors.Schema, $"a list item is {misfit}");
            scalars.Add(scalar);
        }

        bool numbers = scalars[0].Kind == ScalarKind.Number;
        for (int i = 1; i < scalars.Count; i++)
            if ((scalars[i].Kind == ScalarKind.Number) != numbers)
                throw items[i].Error(RecipeErrors.Schema, $"a list mixes numbers and texts: {items[i].Describe()} after {items[0].Describe()}");
        if (numbers) return new RecipeValue.Gradient(new RecipeList<double>(scalars.Select(s => s.Number))) { Location = node.Location };
        if (!allowConditions) throw items[0].Error(RecipeErrors.Schema, $"a condition's value is {ConditionValueForm}, found a list of texts");
        return new RecipeValue.TextList(new RecipeList<string>(scalars.Select(s => s.Text))) { Location = node.Location };
    }

    private static RecipeValue ReadScalar(RecipeNode node, string expected, bool allowText)
    {
        var scalar = node.Scalar(RecipeErrors.Schema, expected);
        RecipeValue value = scalar.Kind switch
        {
            ScalarKind.Number => new RecipeValue.Number(scalar.Number),
            ScalarKind.Boolean => new RecipeValue.Boolean(scalar.Boolean),
            ScalarKind.Text when allowText => new RecipeValue.Text(scalar.Text),
            ScalarKind.Null => throw node.Error(RecipeErrors.Schema, $"has no value; expected {expected}"),
            ScalarKind.NonFinite => throw node.Error(RecipeErrors.Schema, $"'{YamlScalar.Shorten(scalar.Text)}' is not a finite number; parameter values must be finite"),
            _ => throw node.Error(RecipeErrors.Schema, $"expected {expected}, found {node.Describe()}"),
        };
        return value with { Location = node.Location };
    }

    /// <summary>One <c>{filter, value}</c> entry; its value may not be another condition (§8.1).</summary>
    private static RecipeCondition ReadCondition(RecipeNode node)
    {
        var mapping = node.Mapping(RecipeErrors.Schema, "a condition", "filter", "value");
        string? filter = mapping.Optional("filter")?.OptionalText(RecipeErrors.Schema, "a filter (a substring of tensor names)");
        var valueNode = mapping.Required("value", RecipeErrors.Schema, ConditionValueForm);
        if (valueNode.IsMapping)
            throw valueNode.Error(RecipeErrors.Schema, $"conditions cannot nest; a condition's value is {ConditionValueForm}, found a mapping");
        var value = valueNode.IsSequence ? ReadList(valueNode, allowConditions: false) : ReadScalar(valueNode, ConditionValueForm, allowText: false);
        return new RecipeCondition(filter, value);
    }
}
