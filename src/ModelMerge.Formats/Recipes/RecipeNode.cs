using YamlDotNet.RepresentationModel;

namespace ModelMerge.Formats.Recipes;

/// <summary>
/// A YAML node with its key path, read as the recipe expects it: each accessor either returns
/// the value or throws a <see cref="RecipeException"/> that says where and what was found
/// instead. Creating one counts against the node budget.
/// </summary>
internal sealed class RecipeNode
{
    public RecipeNode(RecipeContext context, YamlNode yaml, string path)
    {
        Context = context;
        Yaml = yaml;
        Path = path;
        Location = new RecipeLocation(checked((int)yaml.Start.Line), checked((int)yaml.Start.Column), path);
        context.Visit(Location);
    }

    public RecipeContext Context { get; }

    public YamlNode Yaml { get; }

    public string Path { get; }

    public RecipeLocation Location { get; }

    public RecipeException Error(string errorId, string reason) => Context.Error(errorId, Location, reason);

    public bool IsMapping => Yaml is YamlMappingNode;

    public bool IsSequence => Yaml is YamlSequenceNode;

    /// <summary>The scalar's meaning; throws when the node is a collection or its tag cannot be honoured.</summary>
    public YamlScalar Scalar(string errorId, string expected)
    {
        if (Yaml is not YamlScalarNode scalar) throw Error(errorId, $"expected {expected}, found {Describe()}");
        return YamlScalar.Resolve(scalar, out var reason) ?? throw Error(RecipeErrors.Schema, reason);
    }

    public bool IsNull => Yaml is YamlScalarNode scalar && YamlScalar.Resolve(scalar, out _) is { Kind: ScalarKind.Null };

    /// <summary>
    /// A name, path or revision: the scalar's text as written, whatever it looks like
    /// (<c>revision: 20240101</c> is a revision, not a number); null for YAML null.
    /// </summary>
    public string? OptionalText(string errorId, string expected)
    {
        var scalar = Scalar(errorId, expected);
        return scalar.Kind == ScalarKind.Null ? null : scalar.Text;
    }

    public string Text(string errorId, string expected) =>
        OptionalText(errorId, expected) ?? throw Error(errorId, $"expected {expected}, found nothing");

    /// <summary>A finite number (§1.3: ints and reals alike).</summary>
    public double Number(string errorId, string expected)
    {
        var scalar = Scalar(errorId, expected);
        return scalar.Kind switch
        {
            ScalarKind.Number => scalar.Number,
            ScalarKind.NonFinite => throw Error(errorId, $"'{YamlScalar.Shorten(scalar.Text)}' is not a finite number; {expected} must be finite"),
            _ => throw Error(errorId, $"expected {expected}, found {Describe()}"),
        };
    }

    /// <summary>An integer at least <paramref name="minimum"/>, written as 20 or 20.0 (§1.3: integral values only).</summary>
    public int Integer(string errorId, string expected, int minimum)
    {
        double value = Number(errorId, expected);
        if (value != Math.Floor(value)) throw Error(errorId, $"{Format(value)} is not a whole number; {expected} must be one");
        if (value < minimum || value > int.MaxValue) throw Error(errorId, $"{Format(value)} is out of range; {expected} must be at least {minimum} and at most {int.MaxValue}");
        return (int)value;
    }

    /// <summary>A YAML boolean, or 0/1 as mergekit's coercion allows (§1.3).</summary>
    public bool Boolean(string errorId, string expected)
    {
        var scalar = Scalar(errorId, expected);
        return scalar.Kind switch
        {
            ScalarKind.Boolean => scalar.Boolean,
            ScalarKind.Number when scalar.Number is 0 or 1 => scalar.Number == 1,
            _ => throw Error(errorId, $"expected {expected} (true or false), found {Describe()}"),
        };
    }

    /// <summary>The mapping's entries; <paramref name="knownKeys"/> null accepts any key (parameter names are the plan layer's to check).</summary>
    public RecipeMapping Mapping(string errorId, string expected, params string[]? knownKeys)
    {
        if (Yaml is not YamlMappingNode mapping) throw Error(errorId, $"expected {expected}, found {Describe()}");
        CheckCollectionTag("map");
        return new RecipeMapping(this, mapping, expected, knownKeys);
    }

    /// <summary>The list's items; <paramref name="allowEmpty"/> false refuses <c>[]</c>, which mergekit treats as absent or fails on later.</summary>
    public IReadOnlyList<RecipeNode> Sequence(string errorId, string expected, bool allowEmpty = false)
    {
        if (Yaml is not YamlSequenceNode sequence) throw Error(errorId, $"expected {expected}, found {Describe()}");
        CheckCollectionTag("seq");
        if (!allowEmpty && sequence.Children.Count == 0) throw Error(errorId, $"the list is empty; expected {expected} with at least one item");
        var items = new List<RecipeNode>(sequence.Children.Count);
        for (int i = 0; i < sequence.Children.Count; i++) items.Add(new RecipeNode(Context, sequence.Children[i], RecipePath.Index(Path, i)));
        return items;
    }

    /// <summary>What the node is, for "expected X, found Y".</summary>
    public string Describe() => Yaml switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode scalar => YamlScalar.Resolve(scalar, out _) switch
        {
            { Kind: ScalarKind.Null } => "nothing (null)",
            { Kind: ScalarKind.Boolean } s => $"the boolean {s.Text}",
            { Kind: ScalarKind.Number or ScalarKind.NonFinite } s => $"the number {YamlScalar.Shorten(s.Text)}",
            { } s => $"the text '{YamlScalar.Shorten(s.Text)}'",
            null => "a tagged value",
        },
        _ => "an alias",
    };

    private void CheckCollectionTag(string core)
    {
        if (Yaml.Tag.IsEmpty || Yaml.Tag.IsNonSpecific || Yaml.Tag.Value == "tag:yaml.org,2002:" + core) return;
        throw Error(RecipeErrors.Schema, $"the tag {Yaml.Tag.Value} is not supported in a recipe");
    }

    private static string Format(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}
