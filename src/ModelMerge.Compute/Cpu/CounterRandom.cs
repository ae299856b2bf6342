using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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
            ref uint bits = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(values));
            var draws = new WideDraws(key, start, keepLimit);
            for (; i <= values.Length - 16; i += 16)
            {
                var keep = draws.NextSixteen();
                (Vector512.LoadUnsafe(ref bits, (nuint)i) & keep).StoreUnsafe(ref bits, (nuint)i);
            }
        }
        for (; i < values.Length; i++)
            if (!Keep(key, start + i, keepLimit)) values[i] = 0f;
    }

    /// <summary>
    /// The keep bits of elements [start, start + count): bit j of <paramref name="words"/>[w] is
    /// element start + 64·w + j. Bits past <paramref name="count"/> in the last word are zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void KeepWords(ulong key, long start, ulong keepLimit, int count, Span<ulong> words)
    {
        int wordCount = (count + 63) / 64;
        if (words.Length < wordCount) throw new ArgumentException($"{count} elements need {wordCount} words.", nameof(words));
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var draws = new WideDraws(key, start, keepLimit);
            for (; i <= count - 64; i += 64)
            {
                ulong word = 0;
                for (int part = 0; part < 64; part += 16)
                    word |= (ulong)draws.NextSixteen().ExtractMostSignificantBits() << part;
                words[i / 64] = word;
            }
        }
        for (; i < count; i += 64)
        {
            ulong word = 0;
            for (int j = 0; j < 64 && i + j < count; j++)
                if (Keep(key, start + i + j, keepLimit)) word |= 1UL << j;
            words[i / 64] = word;
        }
    }

    /// <summary>
    /// Sixteen consecutive draws at a time. Each counter is (element + 1)·Golden added to the key;
    /// stepping it by a multiple of Golden (exact in wrapping arithmetic) spares one of the three
    /// 64-bit multiplies a draw costs.
    /// </summary>
    private struct WideDraws(ulong key, long first, ulong keepLimit)
    {
        private static readonly Vector512<ulong> LaneSteps = Vector512.Create(0UL, 1, 2, 3, 4, 5, 6, 7) * Golden;

        private Vector512<ulong> _counter = Vector512.Create(key + (ulong)(first + 1) * Golden) + LaneSteps;
        private readonly Vector512<ulong> _limit = Vector512.Create(keepLimit);

        /// <summary>All-ones lanes for the next sixteen elements that are kept.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<uint> NextSixteen()
        {
            var lower = Keep(_counter);
            var upper = Keep(_counter + Vector512.Create(unchecked(8 * Golden)));
            _counter += Vector512.Create(unchecked(16 * Golden));
            return Vector512.Narrow(lower, upper);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private readonly Vector512<ulong> Keep(Vector512<ulong> z)
        {
            z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9;
            z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EB;
            z ^= z >>> 31;
            return Vector512.LessThan(z >>> 32, _limit);
        }
    }
}
