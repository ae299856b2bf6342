using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using ModelMerge.Methods.Framework;

namespace ModelMerge.Methods;

/// <summary>
/// The element step of the spherical methods (merge-semantics §3.2–3.5). Once their reductions
/// have settled the angles, every one of them is a linear combination of its raw inputs,
/// out_j = Σ_i c_i·x_ij + c_b·base_j, so no unit vector or direction tensor is ever stored. The
/// sum runs in float64 and is rounded to float32 once.
/// </summary>
public static class LinearCombination
{
    /// <summary>Elements [offset, offset + output.Length) of the chunk: one coefficient per model, one for the base.</summary>
    /// <param name="baseCoefficient">Weight of the base, ignored when the chunk has none; 1 adds the base back to merged task vectors.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Combine(in InputChunk chunk, ReadOnlySpan<double> coefficients, double baseCoefficient, int offset, Span<float> output)
    {
        int n = output.Length, stride = chunk.Count;
        Validate(chunk, coefficients.Length, offset, n);
        // A zero coefficient drops the base altogether, so its values cannot leak in as 0·inf.
        bool hasBase = chunk.HasBase && baseCoefficient != 0;
        ref float x = ref MemoryMarshal.GetReference(chunk.Models);
        ref float b = ref MemoryMarshal.GetReference(chunk.Base);
        ref float o = ref MemoryMarshal.GetReference(output);
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j <= n - Vector256<float>.Count; j += Vector256<float>.Count)
            {
                var lower = Vector256<double>.Zero;
                var upper = Vector256<double>.Zero;
                for (int i = 0; i < coefficients.Length; i++)
                {
                    var (l, u) = Vector256.Widen(Vector256.LoadUnsafe(ref x, (nuint)(i * stride + offset + j)));
                    lower += l * coefficients[i];
                    upper += u * coefficients[i];
                }
                if (hasBase)
                {
                    var (l, u) = Vector256.Widen(Vector256.LoadUnsafe(ref b, (nuint)(offset + j)));
                    lower += l * baseCoefficient;
                    upper += u * baseCoefficient;
                }
                Vector256.Narrow(lower, upper).StoreUnsafe(ref o, (nuint)j);
            }
        }
        for (; j < n; j++)
        {
            double sum = 0;
            for (int i = 0; i < coefficients.Length; i++) sum += Unsafe.Add(ref x, i * stride + offset + j) * coefficients[i];
            if (hasBase) sum += Unsafe.Add(ref b, offset + j) * baseCoefficient;
            Unsafe.Add(ref o, j) = (float)sum;
        }
    }

    /// <summary>
    /// The same for two models whose coefficients change from element to element (nuslerp's
    /// vectors along the first axis): out_j = first_j·x0_j + second_j·x1_j, plus the base when
    /// <paramref name="addBase"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Combine(in InputChunk chunk, ReadOnlySpan<double> first, ReadOnlySpan<double> second, bool addBase, int offset, Span<float> output)
    {
        int n = output.Length, stride = chunk.Count;
        Validate(chunk, 2, offset, n);
        if (first.Length < n || second.Length < n) throw new ArgumentException("there must be one coefficient per output element.");
        bool hasBase = chunk.HasBase && addBase;
        ref float x = ref MemoryMarshal.GetReference(chunk.Models);
        ref float b = ref MemoryMarshal.GetReference(chunk.Base);
        ref float o = ref MemoryMarshal.GetReference(output);
        ref double c0 = ref MemoryMarshal.GetReference(first);
        ref double c1 = ref MemoryMarshal.GetReference(second);
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j <= n - Vector256<float>.Count; j += Vector256<float>.Count)
            {
                var (l0, u0) = Vector256.Widen(Vector256.LoadUnsafe(ref x, (nuint)(offset + j)));
                var (l1, u1) = Vector256.Widen(Vector256.LoadUnsafe(ref x, (nuint)(stride + offset + j)));
                var lower = Vector256<double>.Zero + l0 * Vector256.LoadUnsafe(ref c0, (nuint)j);
                var upper = Vector256<double>.Zero + u0 * Vector256.LoadUnsafe(ref c0, (nuint)(j + 4));
                lower += l1 * Vector256.LoadUnsafe(ref c1, (nuint)j);
                upper += u1 * Vector256.LoadUnsafe(ref c1, (nuint)(j + 4));
                if (hasBase)
                {
                    var (l, u) = Vector256.Widen(Vector256.LoadUnsafe(ref b, (nuint)(offset + j)));
                    lower += l;
                    upper += u;
                }
                Vector256.Narrow(lower, upper).StoreUnsafe(ref o, (nuint)j);
            }
        }
        for (; j < n; j++)
        {
            double sum = 0;
            sum += Unsafe.Add(ref x, offset + j) * Unsafe.Add(ref c0, j);
            sum += Unsafe.Add(ref x, stride + offset + j) * Unsafe.Add(ref c1, j);
            if (hasBase) sum += Unsafe.Add(ref b, offset + j);
            Unsafe.Add(ref o, j) = (float)sum;
        }
    }

    private static void Validate(in InputChunk chunk, int coefficients, int offset, int length)
    {
        if (coefficients != chunk.ModelCount) throw new ArgumentException($"{coefficients} coefficients for {chunk.ModelCount} models.");
        if (offset < 0 || length < 0 || offset + length > chunk.Count) throw new ArgumentOutOfRangeException(nameof(offset), "the output must lie inside the chunk.");
    }
}

/// <summary>A merge whose reductions came down to one coefficient per input for the whole tensor.</summary>
internal sealed class FixedCombination(double[] coefficients, double baseCoefficient) : IChunkMerge
{
    public void Merge(in InputChunk inputs, Span<float> output) =>
        LinearCombination.Combine(inputs, coefficients, baseCoefficient, 0, output);
}
