namespace ModelMerge.Fuzz.Harness;

/// <summary>
/// A parser accepted input but what it returned breaks a promise the parser makes (contiguous
/// tensors, shards inside the folder). The runner reports it as a finding like a crash.
/// </summary>
public sealed class InvariantViolation(string message) : Exception(message)
{
    public static void Check(bool holds, string message)
    {
        if (!holds) throw new InvariantViolation(message);
    }
}
