namespace ModelMerge.Methods.Framework;

/// <summary>
/// The closed interval a parameter's value must lie in, and the error id a value outside it
/// gets. Limits that bound work (an iteration count) live here so that no route can pass a
/// value that runs for hours.
/// </summary>
public sealed record ParameterRange(double Minimum, double Maximum, string ErrorId)
{
    public bool Contains(double value) => value >= Minimum && value <= Maximum;
}
