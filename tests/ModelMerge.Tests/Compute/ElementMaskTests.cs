using ModelMerge.Compute.Cpu;

namespace ModelMerge.Tests.Compute;

/// <summary>The keep-bit mask: zeroed at birth, merged by disjoint writers, applied at any offset, unusable once disposed.</summary>
public sealed class ElementMaskTests
{
    private const long Length = 10_000 + 37;

    [Fact]
    public void A_new_mask_keeps_nothing()
    {
        using var mask = new ElementMask(Length);
        var values = Enumerable.Repeat(1f, (int)Length).ToArray();

        mask.Apply(0, values);

        Assert.All(values, v => Assert.Equal(0f, v));
        Assert.False(mask.Keeps(Length - 1));
    }

    /// <summary>Two writers whose ranges meet inside a word, and reads at starts and lengths off every vector boundary.</summary>
    [Fact]
    public void Merged_bits_are_applied_exactly_at_any_offset()
    {
        var keep = Enumerable.Range(0, (int)Length).Select(j => (j * 2654435761u >> 7) % 3 != 0).ToArray();
        using var mask = new ElementMask(Length);
        const long split = 4_100; // not a multiple of 64: the word holding it belongs to both writers
        mask.Merge(0, split, Words(keep, 0, split));
        mask.Merge(split, Length, Words(keep, split, Length));

        for (long j = 0; j < Length; j++) Assert.Equal(keep[j], mask.Keeps(j));
        foreach (var (start, count) in new[] { (0L, (int)Length), (3L, 1_000), (17L, 16), (4_095L, 33), (Length - 21, 21) })
        {
            var values = Enumerable.Range(0, count).Select(i => 1f + i).ToArray();
            mask.Apply(start, values);
            for (int i = 0; i < count; i++) Assert.Equal(keep[start + i] ? 1f + i : 0f, values[i]);
        }
    }

    [Fact]
    public void A_disposed_mask_refuses_to_be_read()
    {
        var mask = new ElementMask(Length);
        mask.Dispose();
        mask.Dispose();

        Assert.Throws<ObjectDisposedException>(() => mask.Keeps(0));
        Assert.Throws<ObjectDisposedException>(() => mask.Apply(0, new float[8]));
    }

    [Fact]
    public void A_read_past_the_end_is_refused()
    {
        using var mask = new ElementMask(100);
        Assert.Throws<ArgumentOutOfRangeException>(() => mask.Apply(90, new float[64]));
    }

    /// <summary>The words of elements [start, end) as <see cref="ElementMask.Merge"/> takes them: bit 0 is element 64·(start / 64).</summary>
    private static ulong[] Words(bool[] keep, long start, long end)
    {
        long first = start / 64;
        var words = new ulong[(end + 63) / 64 - first];
        for (long j = start; j < end; j++)
            if (keep[j]) words[j / 64 - first] |= 1UL << (int)(j % 64);
        return words;
    }
}
