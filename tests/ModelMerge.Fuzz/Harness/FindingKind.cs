namespace ModelMerge.Fuzz.Harness;

/// <summary>The ways a case can break the oracle.</summary>
public enum FindingKind
{
    /// <summary>An exception other than the parser's documented one, or the documented type without a stable id.</summary>
    UndocumentedException,

    /// <summary>The parser accepted the input but returned something that breaks its own promises.</summary>
    Invariant,

    /// <summary>The case finished but took longer than <see cref="FuzzLimits.SlowCase"/>.</summary>
    Slow,

    /// <summary>The case allocated more than <see cref="FuzzLimits.AllocationCap"/>.</summary>
    Allocation,

    /// <summary>The case was still running at <see cref="FuzzLimits.Hang"/>.</summary>
    Hang,

    /// <summary>An earlier run died in this case (a stack overflow, say); found in the case journal.</summary>
    Crash,
}
