using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ModelMerge.Compute.Cpu;

/// <summary>
/// One keep bit per element of a tensor, for a sparsifier whose decisions need more than one
/// grid chunk at a time (della ranks whole rows, and rows straddle chunks): the decisions are
/// made once, then each chunk read applies its bits. Element j is bit j mod 64 of word j / 64.
/// The words live in <see cref="AnonymousMemory"/>, zeroed by the system and handed back to it
/// on Dispose: a model has hundreds of masked tensors and an embedding's mask is 8–16 MB, which
/// on the managed heap would sit in the large-object heap until a full collection, and in a pool
/// would stay resident for the rest of the session.
/// </summary>
public sealed unsafe class ElementMask : IDisposable
{
    private readonly long _wordCount;
    private nint _words;

    public ElementMask(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
        _wordCount = (length + 63) / 64;
        _words = (nint)AnonymousMemory.AllocateZeroed((nuint)_wordCount * sizeof(ulong));
    }

    ~ElementMask() => Free();

    public long Length { get; }

    public bool Keeps(long element) => (Word(element >> 6) >> (int)(element & 63) & 1) != 0;

    private ref ulong Word(long index)
    {
        ObjectDisposedException.ThrowIf(_words == 0, this);
        if ((ulong)index >= (ulong)_wordCount) throw new ArgumentOutOfRangeException(nameof(index), $"word {index} is outside a mask of {Length} elements.");
        return ref ((ulong*)_words)[index];
    }

    /// <summary>
    /// Sets the keep bits of elements [start, end), given as words whose bit 0 is element
    /// 64·(start / 64). Writers own disjoint element ranges, so only a word shared with a
    /// neighbouring range is merged atomically, and the result is the same in any order.
    /// </summary>
    public void Merge(long start, long end, ReadOnlySpan<ulong> words)
    {
        long first = start >> 6;
        for (int w = 0; w < words.Length; w++)
        {
            long word = first + w;
            bool owned = word * 64 >= start && word * 64 + 64 <= end;
            if (owned) Word(word) = words[w];
            else if (words[w] != 0) Interlocked.Or(ref Word(word), words[w]);
        }
    }

    /// <summary>
    /// Sets the keep bit of one element. The caller alone writes elements [ownedStart, ownedEnd),
    /// so a word inside that range is set plainly; a word shared with a neighbouring range is set
    /// atomically.
    /// </summary>
    public void Keep(long element, long ownedStart, long ownedEnd)
    {
        long word = element >> 6;
        ulong bit = 1UL << (int)(element & 63);
        if (word * 64 >= ownedStart && word * 64 + 64 <= ownedEnd) Word(word) |= bit;
        else Interlocked.Or(ref Word(word), bit);
    }

    /// <summary>Zeroes the dropped elements of <paramref name="values"/>, which start at element <paramref name="start"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Apply(long start, Span<float> values)
    {
        // One check covers the whole range, so the loops below read the words without one each.
        if (values.Length == 0) return;
        _ = Word(start >> 6);
        _ = Word((start + values.Length - 1) >> 6);
        var words = (ulong*)_words;
        int i = 0;
        int alignment = Vector512.IsHardwareAccelerated ? 15 : 7;
        for (; i < values.Length && ((start + i) & alignment) != 0; i++)
            if (!Keeps(start + i)) values[i] = 0f;
        if (Vector512.IsHardwareAccelerated)
        {
            ref uint bits = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(values));
            var laneBits = Vector512.Create(1u, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768);
            for (; i <= values.Length - 16; i += 16)
            {
                long element = start + i;
                uint lanes = (uint)(words[element >> 6] >> (int)(element & 63)) & 0xFFFF;
                var keep = Vector512.Equals(Vector512.Create(lanes) & laneBits, laneBits);
                (Vector512.LoadUnsafe(ref bits, (nuint)i) & keep).StoreUnsafe(ref bits, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var asBits = MemoryMarshal.Cast<float, uint>(values);
            for (; i <= values.Length - 8; i += 8)
            {
                long element = start + i;
                uint lanes = (uint)(words[element >> 6] >> (int)(element & 63)) & 0xFF;
                if (lanes == 0xFF) continue;
                var v = Vector256.Create<uint>(asBits.Slice(i));
                (v & LaneMask.FromBits(lanes)).CopyTo(asBits.Slice(i));
            }
        }
        for (; i < values.Length; i++)
            if (!Keeps(start + i)) values[i] = 0f;
    }

    /// <summary>Hands the words back to the system; the mask must not be used after this.</summary>
    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private void Free()
    {
        nint words = Interlocked.Exchange(ref _words, 0);
        AnonymousMemory.Free((void*)words, (nuint)_wordCount * sizeof(ulong));
    }
}
