using ModelMerge.Formats;
using ModelMerge.Formats.Numerics;

namespace ModelMerge.Tests.Formats;

/// <summary>
/// float8_e4m3fn and float8_e5m2 as torch defines them, over all 256 patterns each: widening
/// decodes every pattern to its value, and narrowing rounds to nearest even — every finite
/// pattern back to itself, every midpoint between neighbours to the even one, the next float
/// either side to the nearer one, and past the largest finite value to ∞ (E5M2) or NaN (E4M3).
/// </summary>
public sealed class Float8ConversionTests
{
    public static TheoryData<DType> Types => new() { DType.F8_E4M3, DType.F8_E5M2 };

    [Theory]
    [InlineData(DType.F8_E4M3, 0x7E, 448.0)]
    [InlineData(DType.F8_E4M3, 0x08, 0.015625)]          // smallest normal, 2^-6
    [InlineData(DType.F8_E4M3, 0x01, 0.001953125)]       // smallest subnormal, 2^-9
    [InlineData(DType.F8_E4M3, 0x38, 1.0)]
    [InlineData(DType.F8_E4M3, 0xC4, -3.0)]
    [InlineData(DType.F8_E5M2, 0x7B, 57344.0)]
    [InlineData(DType.F8_E5M2, 0x3C, 1.0)]
    [InlineData(DType.F8_E5M2, 0x01, 1.52587890625e-05)] // 2^-16
    [InlineData(DType.F8_E5M2, 0x7C, double.PositiveInfinity)]
    [InlineData(DType.F8_E5M2, 0xFC, double.NegativeInfinity)]
    public void Widening_gives_each_pattern_its_torch_value(DType dtype, int bits, double expected)
    {
        Assert.Equal(expected, Float8Conversion.ToSingle(dtype, (byte)bits));
    }

    [Theory]
    [InlineData(DType.F8_E4M3, 0x7F)]
    [InlineData(DType.F8_E4M3, 0xFF)]
    [InlineData(DType.F8_E5M2, 0x7D)]
    [InlineData(DType.F8_E5M2, 0xFF)]
    public void The_nan_patterns_widen_to_nan_and_are_not_finite(DType dtype, int bits)
    {
        Assert.True(float.IsNaN(Float8Conversion.ToSingle(dtype, (byte)bits)));
        Assert.False(NonFiniteElements.AllFinite(dtype, [0x00, (byte)bits]));
        Assert.False(ElementConversion.ToSingle(dtype, [(byte)bits], new float[1]));
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Every_pattern_narrows_back_to_itself_and_finiteness_matches_the_value(DType dtype)
    {
        for (int bits = 0; bits < 256; bits++)
        {
            float value = Float8Conversion.ToSingle(dtype, (byte)bits);
            byte back = Float8Conversion.FromSingle(dtype, value);
            if (float.IsNaN(value)) Assert.True(float.IsNaN(Float8Conversion.ToSingle(dtype, back)), $"pattern 0x{bits:X2}");
            else Assert.Equal((byte)bits, back);
            Assert.Equal(float.IsFinite(value), NonFiniteElements.AllFinite(dtype, [(byte)bits]));
        }
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Values_between_neighbours_round_to_the_nearer_and_midpoints_to_the_even_pattern(DType dtype)
    {
        foreach (int sign in new[] { 0x00, 0x80 })
            for (int bits = 0; bits < 0x7F; bits++)
            {
                float low = Float8Conversion.ToSingle(dtype, (byte)(sign | bits)), high = Float8Conversion.ToSingle(dtype, (byte)(sign | (bits + 1)));
                if (!float.IsFinite(low) || !float.IsFinite(high)) continue;
                // Neighbouring 8-bit values are far apart in float32, so the midpoint is exact.
                float middle = (low + high) / 2;
                int even = (bits & 1) == 0 ? bits : bits + 1;
                Assert.Equal((byte)(sign | even), Float8Conversion.FromSingle(dtype, middle));
                Assert.Equal((byte)(sign | bits), Float8Conversion.FromSingle(dtype, MathF.BitDecrement(MathF.Abs(middle)) * (sign == 0 ? 1 : -1)));
                Assert.Equal((byte)(sign | (bits + 1)), Float8Conversion.FromSingle(dtype, MathF.BitIncrement(MathF.Abs(middle)) * (sign == 0 ? 1 : -1)));
            }
    }

    [Theory]
    [InlineData(DType.F8_E4M3, 464f, 0x7E)]               // the midpoint above 448 ties to 448's even pattern
    [InlineData(DType.F8_E4M3, 465f, 0x7F)]               // above it: no ∞ in e4m3fn, so NaN
    [InlineData(DType.F8_E4M3, 1e30f, 0x7F)]
    [InlineData(DType.F8_E4M3, float.PositiveInfinity, 0x7F)]
    [InlineData(DType.F8_E4M3, -1e30f, 0xFF)]
    [InlineData(DType.F8_E5M2, 61439f, 0x7B)]
    [InlineData(DType.F8_E5M2, 61440f, 0x7C)]             // the midpoint above 57344 ties to even: ∞
    [InlineData(DType.F8_E5M2, float.NegativeInfinity, 0xFC)]
    [InlineData(DType.F8_E5M2, 1e-30f, 0x00)]
    [InlineData(DType.F8_E5M2, -0f, 0x80)]
    public void Values_past_the_range_overflow_as_torch_casts_them(DType dtype, float value, int expected)
    {
        Assert.Equal((byte)expected, Float8Conversion.FromSingle(dtype, value));
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Narrowing_a_span_says_whether_it_wrote_only_finite_values(DType dtype)
    {
        var bytes = new byte[3];
        Assert.True(ElementConversion.FromSingle(dtype, [0.5f, -2f, 100f], bytes));
        Assert.False(ElementConversion.FromSingle(dtype, [0.5f, 1e6f, 100f], bytes));
    }
}
