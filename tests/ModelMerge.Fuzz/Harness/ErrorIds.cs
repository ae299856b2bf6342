using System.Reflection;

namespace ModelMerge.Fuzz.Harness;

/// <summary>
/// The error ids a parser declares, read from its errors class. An exception of the documented
/// type whose id is not among them would reach PowerShell as an ErrorRecord no script can key
/// on, so the oracle counts it as undocumented.
/// </summary>
public static class ErrorIds
{
    public static IReadOnlySet<string> Declared(params Type[] errorClasses) =>
        errorClasses
            .SelectMany(type => type.GetFields(BindingFlags.Public | BindingFlags.Static))
            .Where(field => field.IsLiteral && field.FieldType == typeof(string))
            .Select(field => (string)field.GetRawConstantValue()!)
            .ToHashSet(StringComparer.Ordinal);
}
