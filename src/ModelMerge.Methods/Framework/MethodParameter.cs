namespace ModelMerge.Methods.Framework;

/// <summary>How a recipe value of a parameter is read.</summary>
public enum ParameterKind
{
    /// <summary>Any real number; may vary by tensor and layer (a gradient).</summary>
    Number,

    /// <summary>true/false (0/1 accepted); never a gradient.</summary>
    Boolean,

    /// <summary>A whole number (20 or 20.0); never a gradient.</summary>
    Integer,
}

/// <summary>
/// A parameter a method reads (merge-semantics §2): its recipe name, whether each model has its
/// own value or one value serves the whole tensor, and its default (none: required).
/// </summary>
public sealed record MethodParameter(string Name, ParameterKind Kind, bool PerModel, double? Default, string Help)
{
    public bool Required => Default is null;

    /// <summary>
    /// The values the method accepts, checked on every route (cmdlet, -Parameter, recipe) while
    /// the merge is built; null when the method checks the value itself.
    /// </summary>
    public ParameterRange? Range { get; init; }

    public static MethodParameter Global(string name, double? defaultValue, string help, ParameterKind kind = ParameterKind.Number) =>
        new(name, kind, PerModel: false, defaultValue, help);

    public static MethodParameter Model(string name, double? defaultValue, string help) =>
        new(name, ParameterKind.Number, PerModel: true, defaultValue, help);
}
