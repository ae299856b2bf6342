using System.Runtime.InteropServices;
using ModelMerge.Formats;
using ModelMerge.Formats.Numerics;

namespace ModelMerge.Tests.Formats;

/// <summary>
/// Rounding to an output type says whether everything it wrote is finite (a value past the type's
/// range becomes ∞), without changing what it writes; F64 round-trips float32 exactly and its NaN
/// and ∞ are told from the bits.
/// </summary>
public sealed class OutputRangeTests
{
    [Theory]
    [InlineData(DType.BF16, 1e38f, float.MaxValue)]
    [InlineData(DType.F16, 65504f, 1e5f)]
    [InlineData(DType.F32, float.MaxValue, float.PositiveInfinity)]
    [InlineData(DType.F64, float.MaxValue, float.NaN)]
    public void Rounding_reports_a_value_that_leaves_the_range_wherever_it_falls(DType dtype, float largestKept, float overflowing)
    {
        foreach (int length in new[] { 1, 7, 64, 200 })
            for (int at = 0; at < length; at += Math.Max(1, length / 5))
            {
                var values = Enumerable.Range(0, length).Select(i => (i - 3) * 0.25f).ToArray();
                var bytes = new byte[length * dtype.SizeOf()];
                values[at] = largestKept;
                Assert.True(ElementConversion.FromSingle(dtype, values, bytes));
                values[at] = overflowing;
                Assert.False(ElementConversion.FromSingle(dtype, values, bytes));
                Assert.Equal(at, NonFiniteElements.Count(dtype, bytes).First);
            }
    }

    [Fact]
    public void Bfloat16_rounding_writes_the_same_bits_with_the_test_folded_in()
    {
        var random = new Random(5);
        var values = Enumerable.Range(0, 1000).Select(_ => BitConverter.Int32BitsToSingle(random.Next())).ToArray();
        var bits = new ushort[values.Length];
        BFloat16Conversion.FromSingle(values, bits);
        for (int i = 0; i < values.Length; i++) Assert.Equal(BFloat16Conversion.FromSingle(values[i]), bits[i]);
    }

    [Fact]
    public void F64_widens_to_float32_and_back_and_tells_nan_and_infinity_from_the_bits()
    {
        double[] stored = [0.5, -1.25, 3.0e-5, double.PositiveInfinity, double.NaN];
        var bytes = MemoryMarshal.AsBytes(stored.AsSpan()).ToArray();
        var values = new float[5];
        Assert.False(ElementConversion.ToSingle(DType.F64, bytes, values));
        Assert.True(ElementConversion.ToSingle(DType.F64, bytes.AsSpan(0, 24), values));
        Assert.Equal([0.5f, -1.25f, 3.0e-5f], values[..3]);
        var count = NonFiniteElements.Count(DType.F64, bytes);
        Assert.Equal((1, 1, 3), (count.NaN, count.Infinite, count.First));
        Assert.Equal("+Inf", NonFiniteElements.Describe(DType.F64, bytes, 3));

        var back = new byte[24];
        Assert.True(ElementConversion.FromSingle(DType.F64, values.AsSpan(0, 3), back));
        Assert.Equal(new double[] { 0.5, -1.25, (double)3.0e-5f }, MemoryMarshal.Cast<byte, double>(back).ToArray());
    }
}
