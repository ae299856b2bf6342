using System.Runtime.InteropServices;
using ModelMerge.Formats;
using ModelMerge.Formats.Numerics;

namespace ModelMerge.Tests.Formats;

public sealed class Float16ConversionTests
{
    // Expected patterns worked out by hand: f16 has 10 mantissa bits, so a float32 between two
    // f16 neighbours near 1.0 is decided by mantissa bits 12 and below (0x1000 is half an f16 ulp).
    [Theory]
    [InlineData(0x3F80_0000u, (ushort)0x3C00)] // 1.0
    [InlineData(0x3F80_1000u, (ushort)0x3C00)] // 1 + 2^-11: halfway, lower neighbour even: down
    [InlineData(0x3F80_3000u, (ushort)0x3C02)] // 1 + 3*2^-11: halfway, lower neighbour odd: up
    [InlineData(0xBF80_1000u, (ushort)0xBC00)] // negative tie
    [InlineData(0x3F80_1001u, (ushort)0x3C01)] // just above half: up
    [InlineData(0x3F80_0FFFu, (ushort)0x3C00)] // just below half: down
    [InlineData(0x477F_E000u, (ushort)0x7BFF)] // 65504, the largest f16
    [InlineData(0x477F_EF00u, (ushort)0x7BFF)] // 65519, below the overflow threshold 65520
    [InlineData(0x477F_F000u, (ushort)0x7C00)] // 65520: tie between odd 65504 and 65536 overflows to +Inf
    [InlineData(0x7F7F_FFFFu, (ushort)0x7C00)] // float.MaxValue
    [InlineData(0xFF7F_FFFFu, (ushort)0xFC00)] // float.MinValue
    [InlineData(0x7F80_0000u, (ushort)0x7C00)] // +Inf
    [InlineData(0xFF80_0000u, (ushort)0xFC00)] // -Inf
    [InlineData(0x8000_0000u, (ushort)0x8000)] // -0 keeps its sign
    [InlineData(0x3380_0000u, (ushort)0x0001)] // 2^-24, the smallest f16 subnormal
    [InlineData(0x3300_0000u, (ushort)0x0000)] // 2^-25: tie between 0 and 2^-24, to even zero
    [InlineData(0x3300_0001u, (ushort)0x0001)] // just above 2^-25: up to the smallest subnormal
    [InlineData(0x33C0_0000u, (ushort)0x0002)] // 3*2^-25: subnormal tie with odd lower neighbour: up
    [InlineData(0x387F_C000u, (ushort)0x03FF)] // 1023*2^-24, the largest subnormal
    [InlineData(0x387F_E000u, (ushort)0x0400)] // 1023.5*2^-24: tie, rounds up into the smallest normal
    [InlineData(0x3880_0000u, (ushort)0x0400)] // 2^-14, the smallest normal
    [InlineData(0x0000_0001u, (ushort)0x0000)] // the smallest float32 subnormal is far below f16's
    public void FromSingle_rounds_to_nearest_even(uint floatBits, ushort expected)
    {
        float value = BitConverter.UInt32BitsToSingle(floatBits);

        Assert.Equal(expected, NarrowOne(value));
        Assert.Equal(expected, ReferenceRounding.ToHalfBits(value));
        Assert.Equal(expected, BitConverter.HalfToUInt16Bits((Half)value));
    }

    [Theory]
    [InlineData(0x7FC0_0000u)]
    [InlineData(0x7F80_0001u)] // signalling NaN whose payload would be shifted out entirely
    [InlineData(0xFF80_0001u)]
    [InlineData(0x7FFF_FFFFu)]
    public void FromSingle_keeps_a_NaN_a_quiet_NaN_with_its_sign(uint floatBits)
    {
        ushort result = NarrowOne(BitConverter.UInt32BitsToSingle(floatBits));

        AssertQuietNaN(result, negative: floatBits >> 31 == 1);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(1000)]
    public void Span_FromSingle_agrees_with_the_reference_and_System_Half_on_random_values(int length)
    {
        var random = new Random(1000 + length);
        var source = new float[length];
        for (int i = 0; i < length; i++)
        {
            // Half the values in f16's range (where the rounding is interesting), half arbitrary bits.
            source[i] = i % 2 == 0
                ? (float)Math.ScaleB(random.NextDouble() * 2 - 1, random.Next(-26, 17))
                : BitConverter.UInt32BitsToSingle((uint)random.NextInt64(0, 1L << 32));
        }

        var narrowed = Narrow(source);

        for (int i = 0; i < length; i++)
        {
            uint bits = BitConverter.SingleToUInt32Bits(source[i]);
            if (float.IsNaN(source[i]))
            {
                AssertQuietNaN(narrowed[i], negative: bits >> 31 == 1);
                continue;
            }
            ushort reference = ReferenceRounding.ToHalfBits(source[i]);
            Assert.True(reference == narrowed[i], $"element {i} (float 0x{bits:X8}): got 0x{narrowed[i]:X4}, reference 0x{reference:X4}");
            Assert.Equal(BitConverter.HalfToUInt16Bits((Half)source[i]), narrowed[i]);
        }
    }

    [Fact]
    public void Widening_is_exact_for_every_f16_pattern()
    {
        var bytes = new byte[65536 * 2];
        var patterns = MemoryMarshal.Cast<byte, ushort>(bytes.AsSpan());
        for (int i = 0; i < 65536; i++) patterns[i] = (ushort)i;
        var widened = new float[65536];

        ElementConversion.ToSingle(DType.F16, bytes, widened);

        for (int i = 0; i < widened.Length; i++)
        {
            double expected = ReferenceRounding.DecodeHalf((ushort)i);
            if (double.IsNaN(expected)) Assert.True(float.IsNaN(widened[i]), $"f16 0x{i:X4} should widen to NaN");
            else Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(widened[i]));
        }
    }

    private static ushort NarrowOne(float value) => Narrow([value])[0];

    private static ushort[] Narrow(float[] source)
    {
        var bytes = new byte[source.Length * 2];
        ElementConversion.FromSingle(DType.F16, source, bytes);
        return MemoryMarshal.Cast<byte, ushort>(bytes.AsSpan()).ToArray();
    }

    private static void AssertQuietNaN(ushort f16, bool negative)
    {
        Assert.True((f16 & 0x7C00) == 0x7C00 && (f16 & 0x03FF) != 0, $"0x{f16:X4} is not a NaN");
        Assert.True((f16 & 0x0200) != 0, $"0x{f16:X4} is a signalling NaN");
        Assert.Equal(negative, (f16 & 0x8000) != 0);
    }
}
