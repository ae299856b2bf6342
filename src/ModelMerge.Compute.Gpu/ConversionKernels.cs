using ILGPU;

namespace ModelMerge.Compute.Gpu;

/// <summary>Element conversions on the device, bit for bit those of <c>BFloat16Conversion</c> on the CPU.</summary>
internal static class ConversionKernels
{
    public static void WidenBFloat16(Index1D i, ArrayView<ushort> source, ArrayView<float> destination) =>
        destination[i] = Interop.IntAsFloat((uint)source[i] << 16);

    public static void NarrowBFloat16(Index1D i, ArrayView<float> source, ArrayView<ushort> destination)
    {
        uint bits = Interop.FloatAsInt(source[i]);
        // A NaN must stay a NaN: rounding could carry its payload into the exponent and make it Inf.
        destination[i] = (bits & 0x7FFF_FFFFu) > 0x7F80_0000u
            ? (ushort)((bits >> 16) | 0x0040u)
            : (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
    }
}
