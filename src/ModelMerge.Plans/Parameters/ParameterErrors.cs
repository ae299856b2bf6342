namespace ModelMerge.Plans.Parameters;

/// <summary>Error ids for parameters that cannot be resolved as given.</summary>
public static class ParameterErrors
{
    /// <summary>Two filters of an unordered setting match one tensor.</summary>
    public const string FilterAmbiguous = "ParameterFilterAmbiguous";

    /// <summary>A required parameter has no value for some tensor.</summary>
    public const string Missing = "ParameterMissing";

    /// <summary>A value the parameter cannot take (a gradient for a boolean, a fraction for an integer).</summary>
    public const string Invalid = "ParameterInvalid";
}
