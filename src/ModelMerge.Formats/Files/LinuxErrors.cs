using System.Runtime.InteropServices;

namespace ModelMerge.Formats.Files;

/// <summary>The exceptions .NET's own file APIs throw for a failed Linux call's errno, so callers keep their catch clauses.</summary>
internal static class LinuxErrors
{
    private const int NoEntry = 2, AccessDenied = 13, NotAFolder = 20;

    public static Exception For(int error, string path)
    {
        string reason = Marshal.GetPInvokeErrorMessage(error);
        return error switch
        {
            NoEntry or NotAFolder => new FileNotFoundException($"{reason}: '{path}'", path),
            AccessDenied => new UnauthorizedAccessException($"{reason}: '{path}'"),
            _ => new IOException($"{reason}: '{path}'", error),
        };
    }
}
