using ModelMerge.Tests.Methods.Support;

namespace ModelMerge.Tests.Methods;

/// <summary>The yardstick the reference tests measure with: a wrong ulp count would make them pass vacuously.</summary>
public sealed class FloatUlpsTests
{
    [Fact]
    public void Bf16_distance_counts_representable_steps_across_zero()
    {
        Assert.Equal(0, FloatUlps.BFloat16Distance(0x0000, 0x8000));
        Assert.Equal(2, FloatUlps.BFloat16Distance(0x0001, 0x8001));
        Assert.Equal(1, FloatUlps.BFloat16Distance(0x3F80, 0x3F81));      // 1.0 and 1.0078125
        Assert.Equal(1, FloatUlps.BFloat16Distance(0x3F7F, 0x3F80));      // across a binade
        Assert.Equal(128, FloatUlps.BFloat16Distance(0x3F80, 0x4000));    // 1.0 to 2.0: seven stored mantissa bits
    }

    [Theory]
    [InlineData(1.0, 0x3F80)]
    [InlineData(1.00390625, 0x3F80)]          // halfway between 1 and 1 + 2^-7: ties to even
    [InlineData(1.01171875, 0x3F82)]          // halfway between 1 + 2^-7 and 1 + 2^-6: ties to even
    [InlineData(1.0039062500000002, 0x3F81)]  // just above halfway, where a float32 detour would round to 1
    [InlineData(-0.1, 0xBDCD)]
    [InlineData(1e-40, 0x0001)]               // bf16 subnormal
    public void Bf16_nearest_rounds_the_exact_value_once_to_nearest_even(double value, int expected)
    {
        Assert.Equal((ushort)expected, FloatUlps.BFloat16Nearest(value));
    }

    [Fact]
    public void Float32_distance_counts_representable_steps_across_zero()
    {
        Assert.Equal(0, FloatUlps.SingleDistance(0f, -0f));
        Assert.Equal(2, FloatUlps.SingleDistance(float.Epsilon, -float.Epsilon));
        Assert.Equal(1, FloatUlps.SingleDistance(1f, MathF.BitIncrement(1f)));
    }
}
