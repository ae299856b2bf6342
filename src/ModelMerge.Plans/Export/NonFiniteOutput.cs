using System.Globalization;
using ModelMerge.Formats;
using ModelMerge.Formats.Numerics;
using ModelMerge.Formats.Safetensors;
using ModelMerge.Plans.Graph;

namespace ModelMerge.Plans.Export;

/// <summary>
/// NaN and ±∞ an export would write: a value past the output type's range (a BF16 1e5 written as
/// F16, a λ of 1e38) rounds to ∞, and the module refuses such a file as input. Rounding reports
/// whether what it wrote was finite, from the bits it stores (<see cref="ElementConversion.FromSingle"/>),
/// so sound outputs cost nothing here; a block that holds one is searched for its first element.
/// Blocks are computed on several threads, so the lowest index found is kept until the block is done.
/// </summary>
internal sealed class NonFiniteOutput(OutputTensor output)
{
    public const string ErrorId = "NonFiniteOutput";

    private long _first = long.MaxValue;
    private string _value = "";

    /// <summary>Output elements from <paramref name="start"/> were written as <paramref name="bytes"/>, and one is not finite; <paramref name="computed"/> are the values before rounding, when known.</summary>
    public void Found(long start, ReadOnlySpan<byte> bytes, ReadOnlySpan<float> computed = default)
    {
        int first = NonFiniteElements.Count(output.DType, bytes).First;
        if (first < 0) return;
        string written = NonFiniteElements.Describe(output.DType, bytes, first);
        string value = computed.IsEmpty ? $"is written as {written}"
            : float.IsFinite(computed[first]) ? $"is {computed[first].ToString("R", CultureInfo.InvariantCulture)}, written as {written}, past {output.DType.ToHeaderName()}'s range"
            : $"is {written}";
        lock (this)
        {
            if (start + first >= _first) return;
            _first = start + first;
            _value = value;
        }
    }

    /// <summary>Throws NonFiniteOutput when a block so far held a NaN or ±∞.</summary>
    public void ThrowIfFound()
    {
        if (_first == long.MaxValue) return;
        throw new PlanException(ErrorId,
            $"tensor '{output.Name}': output element {NonFiniteInputs.Position(output.Shape, _first)} {_value}; a checkpoint holding NaN or infinity "
            + "is refused as input, so nothing is written. Write a wider type (-DType F32), use smaller weights or λ, or pass -AllowNonFinite to write it as it is.",
            output.Name);
    }
}
