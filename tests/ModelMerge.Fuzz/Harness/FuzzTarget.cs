namespace ModelMerge.Fuzz.Harness;

/// <summary>
/// One parser under test: a seeded generator of inputs (valid corpora, then mutations) and the
/// oracle's notion of a documented failure. Targets that need files create them once, in a
/// folder of their own, and reuse them for every case.
/// </summary>
public abstract class FuzzTarget : IDisposable
{
    /// <summary>The name <c>--target</c> selects it by.</summary>
    public abstract string Name { get; }

    /// <summary>Builds case input from <paramref name="random"/> alone, so that a seed and a case index reproduce it.</summary>
    public abstract FuzzCase Prepare(Random random);

    /// <summary>
    /// Null when <paramref name="exception"/> is the parser's documented failure (its exception
    /// type, with a stable error id); otherwise why it is not.
    /// </summary>
    public abstract string? Undocumented(Exception exception);

    public virtual void Dispose() => GC.SuppressFinalize(this);
}
