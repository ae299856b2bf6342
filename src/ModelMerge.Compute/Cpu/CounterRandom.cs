using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Text;

namespace ModelMerge.Compute.Cpu;

/// <summary>
/// The counter-based generator behind every random mask. A draw is a pure function of
/// (seed, tensor name, model index, element index), so a mask is the same on any backend,
/// thread count, chunk size or shard layout.
///
/// key   = Mix(Mix(seed XOR Fnv1a64(utf8(name))) + (modelIndex + 1) * Golden)
/// draw  = Mix(key + (elementIndex + 1) * Golden)          (SplitMix64's output function)
/// keep  = (draw >> 32) &lt; ceil(keepProbability * 2^32)
/// </summary>
public static class CounterRandom
{
    public const ulong Golden = 0x9E37_79B9_7F4A_7C15;

    public static ulong Key(ulong seed, string tensorName, int modelIndex)
    {
        ulong hash = 0xCBF2_9CE4_8422_2325;
        foreach (byte b in Encoding.UTF8.GetBytes(tensorName))
        {
            hash ^= b;
            hash *= 0x0000_0100_0000_01B3;
        }
        return Mix(Mix(seed ^ hash) + (ulong)(modelIndex + 1) * Golden);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EB;
        return z ^ (z >> 31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static ulong Draw(ulong key, long elementIndex) => Mix(key + (ulong)(elementIndex + 1) * Golden);

    /// <summary>The 32-bit threshold a draw's high half is compared with; 2^32 keeps everything.</summary>
    public static ulong KeepLimit(double keepProbability)
    {
        if (!(keepProbability > 0)) return 0;
        if (keepProbability >= 1) return 1UL << 32;
        return (ulong)Math.Ceiling(keepProbability * 4294967296.0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static bool Keep(ulong key, long elementIndex, ulong keepLimit) => (Draw(key, elementIndex) >> 32) < keepLimit;

    /// <summary>Zeroes the elements of <paramref name="values"/> (starting at element <paramref name="start"/>) whose draw says drop.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ApplyMask(ulong key, long start, ulong keepLimit, Span<float> values)
    {
        if (keepLimit >= 1UL << 32) return;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var lanes = Vector512.Create(0UL, 1, 2, 3, 4, 5, 6, 7);
            var limit = Vector512.Create(keepLimit);
            for (; i <= values.Length - 16; i += 16)
            {
                var lower = KeepMask512(key, start + i, lanes, limit);
                var upper = KeepMask512(key, start + i + 8, lanes, limit);
                var keep = Vector512.Narrow(lower, upper).AsSingle();
                var v = Vector512.Create<float>(values.Slice(i));
                (v & keep).CopyTo(values.Slice(i));
            }
        }
        for (; i < values.Length; i++)
            if (!Keep(key, start + i, keepLimit)) values[i] = 0f;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector512<ulong> KeepMask512(ulong key, long first, Vector512<ulong> lanes, Vector512<ulong> limit)
    {
        var counter = Vector512.Create((ulong)(first + 1)) + lanes;
        var z = Vector512.Create(key) + counter * Golden;
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EB;
        z ^= z >>> 31;
        return Vector512.LessThan(z >>> 32, limit);
    }
}
