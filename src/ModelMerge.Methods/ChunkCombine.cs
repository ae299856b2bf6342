using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ModelMerge.Methods;

/// <summary>What the float64 combine kernels share: their argument rules and their last step.</summary>
internal static class ChunkCombine
{
    /// <summary>Checks the packed terms hold one chunk per weight and the base, if given, covers the output; returns whether there is a base.</summary>
    public static bool Validate(int termsLength, int weights, ReadOnlySpan<float> baseValues, int outputLength)
    {
        if (termsLength < weights * outputLength) throw new ArgumentException("the terms must hold one chunk per weight.");
        bool hasBase = !baseValues.IsEmpty;
        if (hasBase && baseValues.Length < outputLength) throw new ArgumentException("the base chunk is shorter than the output.");
        return hasBase;
    }

    /// <summary>Adds the base (when there is one) to eight float64 results and stores them rounded once to float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Store(Vector256<double> lower, Vector256<double> upper, bool hasBase, ref float baseValues, ref float output, int j)
    {
        if (hasBase)
        {
            var (baseLower, baseUpper) = Vector256.Widen(Vector256.LoadUnsafe(ref baseValues, (nuint)j));
            lower += baseLower;
            upper += baseUpper;
        }
        Vector256.Narrow(lower, upper).StoreUnsafe(ref output, (nuint)j);
    }

    /// <summary>The scalar tail's version of <see cref="Store(Vector256{double}, Vector256{double}, bool, ref float, ref float, int)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(double value, bool hasBase, ref float baseValues, ref float output, int j) =>
        Unsafe.Add(ref output, j) = (float)(hasBase ? Unsafe.Add(ref baseValues, j) + value : value);
}
