namespace ModelMerge.Fuzz.Harness;

/// <summary>
/// The random source of one case, derived from the run's seed and the case index alone, so that
/// <c>--seed S --case K</c> rebuilds case K without replaying the K cases before it.
/// </summary>
public static class CaseSeed
{
    public static Random For(int seed, long index)
    {
        // SplitMix64 of the pair: neighbouring indexes give unrelated seeds.
        ulong z = unchecked((ulong)(uint)seed * 0x9E3779B97F4A7C15UL + (ulong)index + 0x632BE59BD9B4E019UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        // Random(int) keeps its legacy algorithm for seeded use, so the cases stay the same across .NET versions.
        return new Random(unchecked((int)z));
    }
}
