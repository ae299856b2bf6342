using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ModelMerge.Compute.Cpu;

/// <summary>
/// Whole-tensor statistics, accumulated in float64 as the numerics rules require, in one fixed
/// order on every machine: eight running sums, element j going to sum j mod 8 in index order,
/// then the eight added in turn. AVX-512, AVX2 and scalar code give the same bits.
/// </summary>
public static class Reductions
{
    private const int Lanes = 8;

    /// <summary>Σ|x| in float64.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double SumOfMagnitudes(ReadOnlySpan<float> values)
    {
        ref float start = ref MemoryMarshal.GetReference(values);
        Span<double> lanes = stackalloc double[Lanes];
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var acc = Vector512<double>.Zero;
            for (; i <= values.Length - 16; i += 16)
            {
                var (lower, upper) = Vector512.Widen(Vector512.Abs(Vector512.LoadUnsafe(ref start, (nuint)i)));
                acc += lower;
                acc += upper;
            }
            acc.CopyTo(lanes);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var low = Vector256<double>.Zero;
            var high = Vector256<double>.Zero;
            for (; i <= values.Length - 8; i += 8)
            {
                var (lower, upper) = Vector256.Widen(Vector256.Abs(Vector256.LoadUnsafe(ref start, (nuint)i)));
                low += lower;
                high += upper;
            }
            low.CopyTo(lanes);
            high.CopyTo(lanes[4..]);
        }
        for (; i < values.Length; i++) lanes[i % Lanes] += Math.Abs(Unsafe.Add(ref start, i));
        double sum = 0;
        foreach (var lane in lanes) sum += lane;
        return sum;
    }
}
