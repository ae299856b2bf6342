using ILGPU;

namespace ModelMerge.Compute.Gpu;

/// <summary>Element conversions on the device, bit for bit those of <c>BFloat16Conversion</c> on the CPU.</summary>
internal static class ConversionKernels
{
    public static void WidenBFloat16(Index1D i, ArrayView<ushort> source, ArrayView<float> destination) =>
        destination[i] = Interop.IntAsFloat((uint)source[i] << 16);

    public static void NarrowBFloat16(Index1D i, ArrayView<float> source, ArrayView<ushort> destination) =>
        destination[i] = ToBFloat16(source[i]);

    /// <summary>Shared with the kernels that narrow their own results, so every bf16 store rounds alike.</summary>
    public static ushort ToBFloat16(float value)
    {
        uint bits = Interop.FloatAsInt(value);
        // A NaN must stay a NaN: rounding could carry its payload into the exponent and make it Inf.
        return (bits & 0x7FFF_FFFFu) > 0x7F80_0000u
            ? (ushort)((bits >> 16) | 0x0040u)
            : (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
    }

    public static float FromBFloat16(ushort bits) => Interop.IntAsFloat((uint)bits << 16);
}
