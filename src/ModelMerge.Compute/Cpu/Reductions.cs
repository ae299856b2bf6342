using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ModelMerge.Compute.Cpu;

/// <summary>Whole-tensor statistics, accumulated in float64 as the numerics rules require.</summary>
public static class Reductions
{
    /// <summary>Σ|x| in float64.</summary>
    public static double SumOfMagnitudes(ReadOnlySpan<float> values)
    {
        int i = 0;
        var acc = Vector512<double>.Zero;
        if (Vector512.IsHardwareAccelerated)
        {
            ref float start = ref MemoryMarshal.GetReference(values);
            for (; i <= values.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var v = Vector512.Abs(Vector512.LoadUnsafe(ref start, (nuint)i));
                var (lower, upper) = Vector512.Widen(v);
                acc += lower + upper;
            }
        }
        double sum = Vector512.Sum(acc);
        for (; i < values.Length; i++) sum += Math.Abs(values[i]);
        return sum;
    }

    /// <summary>Adds per-chunk partial sums in chunk order, so the total is independent of scheduling.</summary>
    public static double SumInOrder(double[] partials)
    {
        double total = 0;
        foreach (var p in partials) total += p;
        return total;
    }
}
