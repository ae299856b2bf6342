using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using ModelMerge.Methods.Framework;

namespace ModelMerge.Methods;

/// <summary>
/// One input returned as the merge, optionally scaled: what a method gives when a tensor leaves
/// it nothing to combine (only the base has it, or a mask keeps nothing — merge-semantics §2
/// notes) and what passthrough is (§5.3). Scale 1 copies the bits unchanged.
/// </summary>
internal sealed class InputCopy : IChunkMerge
{
    private readonly int _model;
    private readonly double _scale;

    /// <param name="model">The model to copy, or −1 for the base.</param>
    private InputCopy(int model, double scale)
    {
        _model = model;
        _scale = scale;
    }

    public static InputCopy Base { get; } = new(-1, 1);

    public static InputCopy Model(int index, double scale = 1) => new(index, scale);

    public void Merge(in InputChunk inputs, Span<float> output)
    {
        var source = _model < 0 ? inputs.Base : inputs.Model(_model);
        if (_scale == 1)
        {
            source.CopyTo(output);
            return;
        }
        Scale(source, _scale, output);
    }

    /// <summary>scale·x in float64, rounded once, so a scale that is not a float32 is not rounded first.</summary>
    private static void Scale(ReadOnlySpan<float> source, double scale, Span<float> output)
    {
        ref float x = ref MemoryMarshal.GetReference(source);
        ref float o = ref MemoryMarshal.GetReference(output);
        int n = output.Length, j = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; j <= n - Vector256<float>.Count; j += Vector256<float>.Count)
            {
                var (lower, upper) = Vector256.Widen(Vector256.LoadUnsafe(ref x, (nuint)j));
                Vector256.Narrow(lower * scale, upper * scale).StoreUnsafe(ref o, (nuint)j);
            }
        for (; j < n; j++) output[j] = (float)(source[j] * scale);
    }
}
