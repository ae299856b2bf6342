using ILGPU;

namespace ModelMerge.Compute.Gpu;

/// <summary>
/// IEEE half ↔ float32 on the device in integer arithmetic, bit for bit .NET's <c>Half</c>
/// conversions (the CPU's <c>TensorPrimitives.ConvertToSingle/ConvertToHalf</c>): the device's own
/// cvt instructions agree on numbers but not necessarily on NaN payloads, and integer code leaves
/// nothing to a compiler's choice of rounding.
/// </summary>
internal static class HalfConversionKernels
{
    public static void WidenHalf(Index1D i, ArrayView<ushort> source, ArrayView<float> destination) =>
        destination[i] = Interop.IntAsFloat(Widen(source[i]));

    public static void NarrowHalf(Index1D i, ArrayView<float> source, ArrayView<ushort> destination) =>
        destination[i] = Narrow(Interop.FloatAsInt(source[i]));

    public static uint Widen(uint half)
    {
        uint sign = (half & 0x8000u) << 16;
        uint exponent = (half >> 10) & 0x1Fu;
        uint mantissa = half & 0x3FFu;
        // .NET quiets a signalling NaN as it widens (so does the x86 instruction); the payload moves up intact.
        if (exponent == 0x1Fu) return sign | 0x7F80_0000u | (mantissa << 13) | (mantissa != 0 ? 0x0040_0000u : 0u);
        if (exponent != 0) return sign | ((exponent + 112u) << 23) | (mantissa << 13);
        if (mantissa == 0) return sign;
        // A subnormal half, mantissa·2^-24, is a normal float: shift its leading one into the implicit bit.
        int shift = 0;
        while ((mantissa & 0x400u) == 0)
        {
            mantissa <<= 1;
            shift++;
        }
        return sign | ((uint)(113 - shift) << 23) | ((mantissa & 0x3FFu) << 13);
    }

    public static ushort Narrow(uint bits)
    {
        uint sign = (bits >> 16) & 0x8000u;
        uint magnitude = bits & 0x7FFF_FFFFu;
        // A NaN stays a quiet NaN with the top of its payload, as .NET narrows it.
        if (magnitude > 0x7F80_0000u) return (ushort)(sign | 0x7E00u | ((magnitude >> 13) & 0x3FFu));
        // From 65520 (half-way between the largest half, 65504, and 2^16) up, nearest-even gives ∞.
        if (magnitude >= 0x477F_F000u) return (ushort)(sign | 0x7C00u);
        if (magnitude >= 0x3880_0000u)
        {
            // Rebias the exponent (127 → 15) and round the 13 dropped bits to nearest even; a carry
            // into the exponent is the right answer (up to the next binade, or to ∞ excluded above).
            uint rebased = magnitude - 0x3800_0000u;
            return (ushort)(sign | ((rebased + 0x0FFFu + ((rebased >> 13) & 1u)) >> 13));
        }
        // 2^-25, half the smallest subnormal, is a tie and goes to the even 0.
        if (magnitude <= 0x3300_0000u) return (ushort)sign;
        uint significand = (magnitude & 0x007F_FFFFu) | 0x0080_0000u;
        int dropped = 126 - (int)(magnitude >> 23);
        uint kept = significand >> dropped;
        uint remainder = significand & ((1u << dropped) - 1u);
        uint half = 1u << (dropped - 1);
        if (remainder > half || (remainder == half && (kept & 1u) != 0)) kept++;
        return (ushort)(sign | kept);
    }
}
