using System.Runtime.InteropServices;
using ModelMerge.Formats;
using ModelMerge.Formats.Numerics;

namespace ModelMerge.Tests.Formats;

/// <summary>
/// The NaN/∞ test folded into widening, differencing and copying. What counts as finite comes
/// from .NET's own decoding (double.IsFinite of the decoded value), not from the exponent-bit
/// trick under test; the widened values must stay exactly what they were without the test.
/// </summary>
public sealed class NonFiniteElementsTests
{
    public static TheoryData<DType> TestedTypes => new() { DType.BF16, DType.F16, DType.F32 };

    private static bool IsFinite(DType dtype, ReadOnlySpan<byte> bytes, int index) => dtype switch
    {
        DType.BF16 => double.IsFinite(ReferenceRounding.DecodeBFloat16(MemoryMarshal.Read<ushort>(bytes[(index * 2)..]))),
        DType.F16 => Half.IsFinite(MemoryMarshal.Read<Half>(bytes[(index * 2)..])),
        _ => float.IsFinite(MemoryMarshal.Read<float>(bytes[(index * 4)..])),
    };

    /// <summary>Every 16-bit pattern once, in order.</summary>
    private static byte[] AllPatterns16()
    {
        var patterns = new ushort[65536];
        for (int i = 0; i < patterns.Length; i++) patterns[i] = (ushort)i;
        return MemoryMarshal.AsBytes(patterns.AsSpan()).ToArray();
    }

    /// <summary>Typical weights (about ±0.02) in <paramref name="dtype"/>, with the extremes that are still finite mixed in.</summary>
    private static byte[] FiniteElements(DType dtype, int length, int seed)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)(random.NextDouble() - 0.5) * 0.04f;
        float largest = dtype switch { DType.BF16 => BitConverter.UInt32BitsToSingle(0x7F7F_0000), DType.F16 => (float)Half.MaxValue, _ => float.MaxValue };
        if (length > 3)
        {
            values[1] = largest;
            values[2] = -largest;
            values[3] = -0f;
        }
        var bytes = new byte[length * dtype.SizeOf()];
        ElementConversion.FromSingle(dtype, values, bytes);
        return bytes;
    }

    private static void Put(DType dtype, byte[] bytes, int index, float value)
    {
        var single = new byte[dtype.SizeOf()];
        ElementConversion.FromSingle(dtype, [value], single);
        single.CopyTo(bytes, index * single.Length);
    }

    [Theory]
    [MemberData(nameof(TestedTypes))]
    public void Every_16_bit_pattern_and_sampled_float32_patterns_are_told_apart_like_dotnet_decodes_them(DType dtype)
    {
        byte[] bytes;
        if (dtype == DType.F32)
        {
            var random = new Random(32);
            var bits = new uint[65536];
            for (int i = 0; i < bits.Length; i++) bits[i] = i % 7 == 0 ? 0x7F80_0000u | (uint)random.Next() | (uint)(i & 1) << 31 : (uint)random.NextInt64(0, 1L << 32);
            bytes = MemoryMarshal.AsBytes(bits.AsSpan()).ToArray();
        }
        else bytes = AllPatterns16();
        int count = bytes.Length / dtype.SizeOf();

        var counted = NonFiniteElements.Count(dtype, bytes);

        int expected = Enumerable.Range(0, count).Count(i => !IsFinite(dtype, bytes, i));
        Assert.Equal(expected, counted.Total);
        Assert.Equal(Enumerable.Range(0, count).First(i => !IsFinite(dtype, bytes, i)), counted.First);
        for (int i = 0; i < count; i++)
            Assert.True(IsFinite(dtype, bytes, i) == NonFiniteElements.AllFinite(dtype, bytes.AsSpan(i * dtype.SizeOf(), dtype.SizeOf())), $"element {i}");
    }

    [Theory]
    [MemberData(nameof(TestedTypes))]
    public void Finite_spans_of_every_length_pass_each_path_and_widen_to_the_same_values(DType dtype)
    {
        foreach (int length in new[] { 0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 1000, 65536 })
        {
            var bytes = FiniteElements(dtype, length, length);
            var widened = new float[length];
            var copied = new byte[bytes.Length];

            Assert.True(NonFiniteElements.AllFinite(dtype, bytes), $"length {length}");
            Assert.True(ElementConversion.ToSingle(dtype, bytes, widened), $"length {length}");
            Assert.True(NonFiniteElements.CopyAllFinite(dtype, bytes, copied), $"length {length}");
            Assert.Equal(bytes, copied);
            for (int i = 0; i < length; i++)
                Assert.Equal(BitConverter.SingleToUInt32Bits(ReferenceWiden(dtype, bytes, i)), BitConverter.SingleToUInt32Bits(widened[i]));
        }
    }

    [Theory]
    [MemberData(nameof(TestedTypes))]
    public void One_NaN_or_infinity_in_any_lane_or_the_tail_is_found_by_each_path(DType dtype)
    {
        const int length = 200;
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
            for (int position = 0; position < length; position++)
            {
                var bytes = FiniteElements(dtype, length, position);
                Put(dtype, bytes, position, bad);
                var widened = new float[length];

                Assert.False(NonFiniteElements.AllFinite(dtype, bytes), $"{bad} at {position}");
                Assert.False(ElementConversion.ToSingle(dtype, bytes, widened), $"{bad} at {position}");
                Assert.False(NonFiniteElements.CopyAllFinite(dtype, bytes, new byte[bytes.Length]), $"{bad} at {position}");
                Assert.Equal(new NonFiniteCount(float.IsNaN(bad) ? 1 : 0, float.IsNaN(bad) ? 0 : 1, position), NonFiniteElements.Count(dtype, bytes));
                Assert.Equal(float.IsNaN(bad), float.IsNaN(widened[position]));
            }
    }

    [Theory]
    [InlineData(DType.BF16, DType.BF16)]
    [InlineData(DType.F16, DType.BF16)]
    [InlineData(DType.F32, DType.F16)]
    public void A_difference_is_unchanged_and_reports_a_NaN_or_infinity_in_either_input(DType dtypeA, DType dtypeB)
    {
        const int length = 100;
        for (int position = 0; position < length; position += 7)
        {
            var a = FiniteElements(dtypeA, length, 1);
            var b = FiniteElements(dtypeB, length, 2);
            var difference = new float[length];

            Assert.True(ElementConversion.Difference(dtypeA, a, dtypeB, b, difference));
            for (int i = 0; i < length; i++)
                Assert.Equal(BitConverter.SingleToUInt32Bits(ReferenceWiden(dtypeA, a, i) - ReferenceWiden(dtypeB, b, i)), BitConverter.SingleToUInt32Bits(difference[i]));

            Put(dtypeA, a, position, float.NaN);
            Assert.False(ElementConversion.Difference(dtypeA, a, dtypeB, b, difference), $"NaN in a at {position}");
            a = FiniteElements(dtypeA, length, 1);
            Put(dtypeB, b, position, float.NegativeInfinity);
            Assert.False(ElementConversion.Difference(dtypeA, a, dtypeB, b, difference), $"-Inf in b at {position}");
        }
    }

    [Theory]
    [InlineData(DType.BF16, new byte[] { 0xC1, 0x7F }, "NaN (bits 0x7FC1)")]
    [InlineData(DType.BF16, new byte[] { 0x80, 0xFF }, "-Inf")]
    [InlineData(DType.F16, new byte[] { 0x00, 0x7C }, "+Inf")]
    [InlineData(DType.F32, new byte[] { 0x01, 0x00, 0x80, 0x7F }, "NaN (bits 0x7F800001)")]
    public void A_found_element_is_described_by_kind_and_bits(DType dtype, byte[] bytes, string expected)
    {
        Assert.Equal(expected, NonFiniteElements.Describe(dtype, bytes, 0));
    }

    private static float ReferenceWiden(DType dtype, ReadOnlySpan<byte> bytes, int index) => dtype switch
    {
        DType.BF16 => (float)ReferenceRounding.DecodeBFloat16(MemoryMarshal.Read<ushort>(bytes[(index * 2)..])),
        DType.F16 => (float)MemoryMarshal.Read<Half>(bytes[(index * 2)..]),
        _ => MemoryMarshal.Read<float>(bytes[(index * 4)..]),
    };
}
