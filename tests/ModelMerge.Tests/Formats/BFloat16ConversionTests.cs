using ModelMerge.Formats;
using ModelMerge.Formats.Numerics;

namespace ModelMerge.Tests.Formats;

public sealed class BFloat16ConversionTests
{
    // Expected patterns worked out by hand: bf16 keeps the top 16 bits of a float32, and the
    // low 16 bits decide the rounding (0x8000 is exactly half a bf16 ulp).
    [Theory]
    [InlineData(0x3F80_0000u, (ushort)0x3F80)] // 1.0 is exact
    [InlineData(0x3F80_8000u, (ushort)0x3F80)] // halfway, lower neighbour even: down
    [InlineData(0x3F81_8000u, (ushort)0x3F82)] // halfway, lower neighbour odd: up
    [InlineData(0xBF81_8000u, (ushort)0xBF82)] // the same tie, negative: away from zero to the even one
    [InlineData(0x3F80_8001u, (ushort)0x3F81)] // one float ulp above half: up
    [InlineData(0x3F80_7FFFu, (ushort)0x3F80)] // one float ulp below half: down
    [InlineData(0x3FFF_FFFFu, (ushort)0x4000)] // rounding up carries into the exponent: 1.99999988 -> 2
    [InlineData(0x7F7F_7FFFu, (ushort)0x7F7F)] // just below the tie above the largest bf16: stays finite
    [InlineData(0x7F7F_8000u, (ushort)0x7F80)] // tie at the odd largest bf16 rounds to +Inf
    [InlineData(0x7F7F_FFFFu, (ushort)0x7F80)] // float.MaxValue overflows to +Inf
    [InlineData(0xFF7F_FFFFu, (ushort)0xFF80)] // float.MinValue overflows to -Inf
    [InlineData(0x7F80_0000u, (ushort)0x7F80)] // +Inf stays +Inf
    [InlineData(0xFF80_0000u, (ushort)0xFF80)] // -Inf stays -Inf
    [InlineData(0x0000_0000u, (ushort)0x0000)] // +0
    [InlineData(0x8000_0000u, (ushort)0x8000)] // -0 keeps its sign
    [InlineData(0x0000_8000u, (ushort)0x0000)] // subnormal tie between 0 and the smallest bf16 subnormal: to zero
    [InlineData(0x0000_8001u, (ushort)0x0001)] // just above that tie: the smallest subnormal, not flushed
    [InlineData(0x0001_8000u, (ushort)0x0002)] // subnormal tie with odd lower neighbour: up
    [InlineData(0x8000_8001u, (ushort)0x8001)] // negative subnormal
    [InlineData(0x007F_FFFFu, (ushort)0x0080)] // largest float subnormal rounds up to the smallest normal bf16
    public void FromSingle_rounds_to_nearest_even(uint floatBits, ushort expected)
    {
        float value = BitConverter.UInt32BitsToSingle(floatBits);

        Assert.Equal(expected, BFloat16Conversion.FromSingle(value));
        Assert.Equal(expected, ReferenceRounding.ToBFloat16Bits(value));
    }

    [Theory]
    [InlineData(0x7FC0_0000u)] // the canonical quiet NaN
    [InlineData(0x7F80_0001u)] // signalling NaN whose payload sits only in the low half: truncation would give Inf
    [InlineData(0x7FFF_FFFFu)] // all payload bits: adding a rounding bias would carry into the sign
    [InlineData(0xFF80_0001u)] // negative signalling NaN
    [InlineData(0xFFC0_1234u)]
    public void FromSingle_keeps_a_NaN_a_quiet_NaN_with_its_sign(uint floatBits)
    {
        ushort result = BFloat16Conversion.FromSingle(BitConverter.UInt32BitsToSingle(floatBits));

        AssertQuietNaN(result, negative: floatBits >> 31 == 1);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(1000)]
    public void Span_FromSingle_agrees_with_the_scalar_and_the_reference_on_random_bits(int length)
    {
        var random = new Random(length);
        var source = new float[length];
        for (int i = 0; i < length; i++) source[i] = BitConverter.UInt32BitsToSingle((uint)random.NextInt64(0, 1L << 32));

        AssertSpanMatchesScalarAndReference(source);
    }

    [Fact]
    public void Span_FromSingle_rounds_ties_NaNs_and_overflow_like_the_scalar_in_every_lane()
    {
        // The hand-picked hard cases, placed in every lane of the vector loop and in the tail.
        uint[] hard =
        [
            0x3F80_8000, 0x3F81_8000, 0xBF81_8000, 0x3F80_8001, 0x3F80_7FFF, 0x3FFF_FFFF, 0x7F7F_8000, 0x7F7F_FFFF,
            0xFF7F_FFFF, 0x7F80_0000, 0xFF80_0000, 0x8000_0000, 0x0000_8000, 0x0001_8000, 0x007F_FFFF,
            0x7FC0_0000, 0x7F80_0001, 0x7FFF_FFFF, 0xFF80_0001,
        ];
        var source = new float[1000];
        for (int i = 0; i < source.Length; i++) source[i] = BitConverter.UInt32BitsToSingle(hard[i % hard.Length]);

        AssertSpanMatchesScalarAndReference(source);
    }

    [Fact]
    public void Span_FromSingle_through_ElementConversion_writes_little_endian_bf16_bytes()
    {
        float[] source = [1f, -0.5f, 3.140625f];
        var bytes = new byte[6];

        ElementConversion.FromSingle(DType.BF16, source, bytes);

        Assert.Equal(new byte[] { 0x80, 0x3F, 0x00, 0xBF, 0x49, 0x40 }, bytes);
    }

    [Fact]
    public void Widening_is_exact_for_every_bf16_pattern()
    {
        var patterns = new ushort[65536];
        for (int i = 0; i < patterns.Length; i++) patterns[i] = (ushort)i;
        var widened = new float[patterns.Length];

        BFloat16Conversion.ToSingle(patterns, widened);

        for (int i = 0; i < patterns.Length; i++)
        {
            double expected = ReferenceRounding.DecodeBFloat16(patterns[i]);
            float scalar = BFloat16Conversion.ToSingle(patterns[i]);
            if (double.IsNaN(expected))
            {
                Assert.True(float.IsNaN(widened[i]), $"bf16 0x{i:X4} should widen to NaN");
                Assert.True(float.IsNaN(scalar), $"bf16 0x{i:X4} should widen to NaN");
                continue;
            }
            // Compared as bits so that -0 and +0 are told apart.
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(widened[i]));
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(scalar));
        }
    }

    [Fact]
    public void Every_bf16_value_survives_widening_and_narrowing_unchanged()
    {
        var patterns = new ushort[65536];
        for (int i = 0; i < patterns.Length; i++) patterns[i] = (ushort)i;
        var widened = new float[patterns.Length];
        var narrowed = new ushort[patterns.Length];

        BFloat16Conversion.ToSingle(patterns, widened);
        BFloat16Conversion.FromSingle(widened, narrowed);

        for (int i = 0; i < patterns.Length; i++)
        {
            if (double.IsNaN(ReferenceRounding.DecodeBFloat16(patterns[i]))) AssertQuietNaN(narrowed[i], negative: i >= 0x8000);
            else Assert.Equal(patterns[i], narrowed[i]);
        }
    }

    private static void AssertSpanMatchesScalarAndReference(float[] source)
    {
        var vector = new ushort[source.Length];
        BFloat16Conversion.FromSingle(source, vector);

        for (int i = 0; i < source.Length; i++)
        {
            uint bits = BitConverter.SingleToUInt32Bits(source[i]);
            Assert.True(BFloat16Conversion.FromSingle(source[i]) == vector[i],
                $"element {i} of {source.Length} (float 0x{bits:X8}): span gave 0x{vector[i]:X4}, scalar 0x{BFloat16Conversion.FromSingle(source[i]):X4}");
            if (float.IsNaN(source[i])) AssertQuietNaN(vector[i], negative: bits >> 31 == 1);
            else
                Assert.True(ReferenceRounding.ToBFloat16Bits(source[i]) == vector[i],
                    $"element {i} of {source.Length} (float 0x{bits:X8}): span gave 0x{vector[i]:X4}, reference 0x{ReferenceRounding.ToBFloat16Bits(source[i]):X4}");
        }
    }

    private static void AssertQuietNaN(ushort bf16, bool negative)
    {
        Assert.True((bf16 & 0x7F80) == 0x7F80 && (bf16 & 0x007F) != 0, $"0x{bf16:X4} is not a NaN");
        Assert.True((bf16 & 0x0040) != 0, $"0x{bf16:X4} is a signalling NaN");
        Assert.Equal(negative, (bf16 & 0x8000) != 0);
    }
}
