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

    /// <summary>Σ a_j·b_j in float64, in the same fixed lane order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException("the vectors must have the same length.", nameof(b));
        ref float x = ref MemoryMarshal.GetReference(a);
        ref float y = ref MemoryMarshal.GetReference(b);
        // Two 4-lane halves hold lanes 0-3 and 4-7 on any vector width, so every machine adds in one order.
        var low = Vector256<double>.Zero;
        var high = Vector256<double>.Zero;
        int i = 0;
        for (; i <= a.Length - Lanes; i += Lanes)
        {
            var (xl, xh) = Vector256.Widen(Vector256.LoadUnsafe(ref x, (nuint)i));
            var (yl, yh) = Vector256.Widen(Vector256.LoadUnsafe(ref y, (nuint)i));
            low += xl * yl;
            high += xh * yh;
        }
        Span<double> lanes = stackalloc double[Lanes];
        low.CopyTo(lanes);
        high.CopyTo(lanes[4..]);
        for (; i < a.Length; i++) lanes[i % Lanes] += (double)Unsafe.Add(ref x, i) * Unsafe.Add(ref y, i);
        double sum = 0;
        foreach (var lane in lanes) sum += lane;
        return sum;
    }

    /// <summary>Σ x_j² in float64 (the squared L2 norm), in the same fixed lane order as <see cref="Dot"/>.</summary>
    public static double SumOfSquares(ReadOnlySpan<float> values) => Dot(values, values);

    /// <summary>
    /// mergekit's L1 rescale factor from Σ|τ| before and after a drop: before / after rounded to
    /// float32, 1 when either is below 1e-7 (its guard against dividing by nothing).
    /// </summary>
    public static float L1RescaleRatio(double before, double after) => before < 1e-7 || after < 1e-7 ? 1f : (float)(before / after);
}
