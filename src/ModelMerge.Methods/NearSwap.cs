using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using ModelMerge.Compute;
using ModelMerge.Methods.Framework;

namespace ModelMerge.Methods;

/// <summary>
/// nearswap (merge-semantics §5.4): where the other model b is within t of the base a, take b;
/// elsewhere move exactly t from a towards b. mergekit's form, w = clamp(t / max(|a − b|, 1e-6), 0, 1)
/// and a·(1 − w) + b·w, is computed as written, in float64, rounded once.
/// </summary>
public sealed class NearSwap(double t) : ITensorMerge
{
    /// <summary>mergekit's floor on |a − b|, which keeps w finite where the models agree.</summary>
    public const double MinimumDistance = 1e-6;

    /// <summary>The sameness threshold.</summary>
    public double T => t;

    public static MergeMethod Method { get; } = new("nearswap", "NearSwap", null, BaseModelUse.Required, ModelValues.Checkpoints,
        MinModels: 1, MaxModels: 1,
        [MethodParameter.Global("t", null, "Sameness threshold: values within t of the base are swapped for the other model's, others move t towards it.")],
        parameters => new NearSwap(parameters.Number("t")));

    public IChunkMerge Prepare(MergeInputs inputs, ChunkRunner runner)
    {
        // §2 notes: with only one of the two present that one is the result; t ≤ 0 makes every w zero.
        if (!inputs.HasBase && inputs.ModelCount == 1) return InputCopy.Model(0);
        if (inputs.ModelCount == 0 || t <= 0) return InputCopy.Base;
        if (inputs.ModelCount != 1) throw new ArgumentException($"nearswap merges the base with one model, got {inputs.ModelCount}.", nameof(inputs));
        return new Swap(t);
    }

    private sealed class Swap(double t) : IChunkMerge
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Merge(in InputChunk inputs, Span<float> output)
        {
            ref float a = ref MemoryMarshal.GetReference(inputs.Base);
            ref float b = ref MemoryMarshal.GetReference(inputs.Model(0));
            ref float o = ref MemoryMarshal.GetReference(output);
            int n = output.Length, j = 0;
            if (Vector256.IsHardwareAccelerated)
                for (; j <= n - Vector256<float>.Count; j += Vector256<float>.Count)
                {
                    var (aLower, aUpper) = Vector256.Widen(Vector256.LoadUnsafe(ref a, (nuint)j));
                    var (bLower, bUpper) = Vector256.Widen(Vector256.LoadUnsafe(ref b, (nuint)j));
                    Vector256.Narrow(Blend(aLower, bLower), Blend(aUpper, bUpper)).StoreUnsafe(ref o, (nuint)j);
                }
            for (; j < n; j++)
            {
                double x = Unsafe.Add(ref a, j), y = Unsafe.Add(ref b, j);
                double w = Math.Min(Math.Max(t / Math.Max(Math.Abs(x - y), MinimumDistance), 0), 1);
                Unsafe.Add(ref o, j) = (float)(w * y + (1 - w) * x);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private Vector256<double> Blend(Vector256<double> a, Vector256<double> b)
        {
            var distance = Vector256.Max(Vector256.Abs(a - b), Vector256.Create(MinimumDistance));
            var w = Vector256.Min(Vector256.Max(Vector256.Create(t) / distance, Vector256<double>.Zero), Vector256<double>.One);
            return w * b + (Vector256<double>.One - w) * a;
        }
    }
}
