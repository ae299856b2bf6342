using System.Text;

namespace ModelMerge.Tests.Methods.Support;

/// <summary>
/// The keep/drop draw as CounterRandom's contract states it, written out scalar by scalar:
/// key = Mix(Mix(seed ⊕ FNV-1a-64(utf8 name)) + (model + 1)·φ), draw = Mix(key + (element + 1)·φ),
/// keep ⇔ draw's high 32 bits &lt; ⌈d·2^32⌉, with Mix SplitMix64's finalizer.
/// </summary>
internal static class DocumentedCounterRandom
{
    private const ulong Golden = 0x9E37_79B9_7F4A_7C15;

    public static bool Keeps(ulong seed, string tensor, int model, long element, double density)
    {
        ulong hash = 0xCBF2_9CE4_8422_2325;
        foreach (byte b in Encoding.UTF8.GetBytes(tensor)) hash = (hash ^ b) * 0x0000_0100_0000_01B3;
        ulong key = SplitMix(SplitMix(seed ^ hash) + (ulong)(model + 1) * Golden);
        ulong draw = SplitMix(key + (ulong)(element + 1) * Golden);
        double limit = Math.Ceiling(density * 4294967296.0);
        return (draw >> 32) < limit;
    }

    private static ulong SplitMix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EB;
        return z ^ (z >> 31);
    }
}
