using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ModelMerge.Methods;

/// <summary>
/// <see cref="SignConsensus"/>'s kernel on eight float64 lanes (AVX-512). It runs the same
/// operations in the same order as the four-lane and scalar code, so every width gives the
/// same bits. The count of task vectors is a type argument for the common counts: the JIT
/// then unrolls both loops over the models and keeps each weighted delta in a register,
/// which halves the instructions of a loop over a count known only at run time.
/// </summary>
internal static class SignConsensusWide
{
    public const int Lanes = 8;

    /// <summary>Combines the first whole multiple of 16 elements and returns how many it did.</summary>
    public static int Combine(ref float deltas, int n, ReadOnlySpan<double> weights, SignRule rule, bool normalize, double lambda,
        bool hasBase, ref float baseValues, ref float output)
    {
        var kernel = new Kernel(weights, rule, normalize, lambda, hasBase);
        return weights.Length switch
        {
            1 => kernel.Run<One>(ref deltas, n, ref baseValues, ref output),
            2 => kernel.Run<Two>(ref deltas, n, ref baseValues, ref output),
            3 => kernel.Run<Three>(ref deltas, n, ref baseValues, ref output),
            4 => kernel.Run<Four>(ref deltas, n, ref baseValues, ref output),
            _ => kernel.Run<Many>(ref deltas, n, ref baseValues, ref output),
        };
    }

    /// <summary>A count of models fixed at compile time; 0 means "the weights' length".</summary>
    private interface IModelCount
    {
        static abstract int Count { get; }
    }

    private struct One : IModelCount { public static int Count => 1; }

    private struct Two : IModelCount { public static int Count => 2; }

    private struct Three : IModelCount { public static int Count => 3; }

    private struct Four : IModelCount { public static int Count => 4; }

    private struct Many : IModelCount { public static int Count => 0; }

    private readonly ref struct Kernel(ReadOnlySpan<double> weights, SignRule rule, bool normalize, double lambda, bool hasBase)
    {
        private readonly ReadOnlySpan<double> _weights = weights;

        /// <summary>
        /// Whether every divisor the elements can meet (a sum of the agreeing weights, added in
        /// index order as below, or 1 when none agrees) is a power of two, as with equal weights
        /// of 1 or ½. Dividing by 2^m and multiplying by 2^−m round the same real number, so the
        /// kernel may then skip the division, the slowest instruction it has.
        /// </summary>
        private readonly bool _dyadicDivisors = normalize && DyadicDivisors(weights);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public int Run<TCount>(ref float deltas, int n, ref float baseValues, ref float output) where TCount : struct, IModelCount
        {
            int models = TCount.Count > 0 ? TCount.Count : _weights.Length;
            ref double weight = ref MemoryMarshal.GetReference(_weights);
            var scale = Vector512.Create(lambda);
            int j = 0;
            for (; j <= n - 2 * Lanes; j += 2 * Lanes)
            {
                var lower = Element<TCount>(ref deltas, n, j, models, ref weight) * scale;
                var upper = Element<TCount>(ref deltas, n, j + Lanes, models, ref weight) * scale;
                if (hasBase)
                {
                    var (baseLower, baseUpper) = Vector512.Widen(Vector512.LoadUnsafe(ref baseValues, (nuint)j));
                    lower += baseLower;
                    upper += baseUpper;
                }
                Vector512.Narrow(lower, upper).StoreUnsafe(ref output, (nuint)j);
            }
            return j;
        }

        /// <summary>The merged delta of eight elements before λ.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private Vector512<double> Element<TCount>(ref float deltas, int n, int j, int models, ref double weight) where TCount : struct, IModelCount
        {
            var vote = Vector512<double>.Zero;
            for (int i = 0; i < (TCount.Count > 0 ? TCount.Count : models); i++)
            {
                var u = Weighted(ref deltas, i * n + j, Unsafe.Add(ref weight, i));
                vote += rule == SignRule.Sum ? u : Sign(u);
            }
            // The elected sign is + unless the vote is below zero (a NaN vote elects −, as the
            // scalar rule does). Flipping each delta's sign bit by the election turns "agrees" into "is above zero".
            var flip = Vector512.AndNot(Vector512.Create(-0.0), Vector512.GreaterThanOrEqual(vote, Vector512<double>.Zero));
            var sum = Vector512<double>.Zero;
            var divisor = Vector512<double>.Zero;
            for (int i = 0; i < (TCount.Count > 0 ? TCount.Count : models); i++)
            {
                var w = Vector512.Create(Unsafe.Add(ref weight, i));
                var u = Weighted(ref deltas, i * n + j, w);
                var agrees = Vector512.GreaterThan(u ^ flip, Vector512<double>.Zero);
                sum += u & agrees;
                divisor += w & agrees;
            }
            if (!normalize) return sum;
            var none = Vector512.Equals(divisor, Vector512<double>.Zero);
            divisor = Vector512.ConditionalSelect(none, Vector512<double>.One, divisor);
            return _dyadicDivisors ? sum * ReciprocalOfPowerOfTwo(divisor) : sum / divisor;
        }

        /// <summary>2^−m for each lane holding ±2^m (normal, as <see cref="DyadicDivisors"/> checked): the exponent field reflected.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<double> ReciprocalOfPowerOfTwo(Vector512<double> powers)
        {
            var bits = powers.AsUInt64();
            var sign = bits & Vector512.Create(0x8000_0000_0000_0000UL);
            return ((Vector512.Create(0x7FE0_0000_0000_0000UL) - (bits ^ sign)) | sign).AsDouble();
        }

        private static bool DyadicDivisors(ReadOnlySpan<double> weights)
        {
            // Up to four models there are at most fifteen subsets to check; beyond, divide.
            if (weights.Length > 4) return false;
            for (int subset = 1; subset < 1 << weights.Length; subset++)
            {
                double divisor = 0;
                for (int i = 0; i < weights.Length; i++)
                    if ((subset >> i & 1) != 0) divisor += weights[i];
                if (!IsNormalPowerOfTwo(divisor)) return false;
            }
            return true;
        }

        /// <summary>±2^m with both 2^m and 2^−m normal doubles (biased exponent 1…2045, mantissa zero).</summary>
        private static bool IsNormalPowerOfTwo(double value)
        {
            ulong bits = (ulong)BitConverter.DoubleToInt64Bits(value) & 0x7FFF_FFFF_FFFF_FFFFUL;
            ulong exponent = bits >> 52;
            return (bits & 0x000F_FFFF_FFFF_FFFFUL) == 0 && exponent >= 1 && exponent <= 2045;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<double> Weighted(ref float deltas, int offset, Vector512<double> weight) =>
            Vector512.WidenLower(Vector256.LoadUnsafe(ref deltas, (nuint)offset).ToVector512Unsafe()) * weight;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<double> Weighted(ref float deltas, int offset, double weight) =>
            Weighted(ref deltas, offset, Vector512.Create(weight));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<double> Sign(Vector512<double> u) =>
            (Vector512<double>.One & Vector512.GreaterThan(u, Vector512<double>.Zero))
            - (Vector512<double>.One & Vector512.LessThan(u, Vector512<double>.Zero));
    }
}
