namespace ModelMerge.Fuzz.Harness;

/// <summary>One case that broke the oracle, with what it takes to reproduce it.</summary>
public sealed record Finding(
    string Target,
    int Seed,
    long Case,
    FindingKind Kind,
    string Detail,
    FuzzCase Input)
{
    /// <summary>
    /// Groups findings that are one bug: the kind, and for exceptions the type and the first
    /// frame in ModelMerge code (a million cases hitting one missing catch are one finding).
    /// </summary>
    public string Signature { get; init; } = Kind.ToString();

    /// <summary>The command line that rebuilds and reruns this case alone.</summary>
    public string Replay => $"--target {Target} --seed {Seed} --case {Case}";

    public static Finding FromException(string target, int seed, long index, FuzzCase input, Exception exception, string why)
    {
        var kind = exception is InvariantViolation ? FindingKind.Invariant : FindingKind.UndocumentedException;
        string signature = kind == FindingKind.Invariant
            ? $"{kind}: {exception.Message.Split(':')[0]}"
            : $"{kind}: {exception.GetType().Name} at {FirstOwnFrame(exception)}";
        return new Finding(target, seed, index, kind, $"{why}\n{exception}", input) { Signature = signature };
    }

    private static string FirstOwnFrame(Exception exception)
    {
        var trace = new System.Diagnostics.StackTrace(exception, fNeedFileInfo: false);
        foreach (var frame in trace.GetFrames())
        {
            var method = frame.GetMethod();
            string? type = method?.DeclaringType?.FullName;
            if (type is not null && type.StartsWith("ModelMerge.", StringComparison.Ordinal) && !type.StartsWith("ModelMerge.Fuzz.", StringComparison.Ordinal))
                return $"{type}.{method!.Name}";
        }
        return trace.FrameCount > 0 && trace.GetFrame(0)?.GetMethod() is { } first ? $"{first.DeclaringType?.FullName}.{first.Name}" : "(no frames)";
    }
}
