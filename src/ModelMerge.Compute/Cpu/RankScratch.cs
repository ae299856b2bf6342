using System.Buffers;
using System.Numerics;

namespace ModelMerge.Compute.Cpu;

/// <summary>
/// One ranking worker's scratch: pooled arrays for the small buffers, an anonymous mapping for
/// the large block of a ranking in passes (unmapped when done, so it leaves the resident set),
/// every byte held reported to the <see cref="RankingBudget"/>'s meter.
/// </summary>
internal sealed unsafe class RankScratch(RankingBudget budget) : IDisposable
{
    private readonly List<Array> _rented = [];
    private readonly List<(nint Address, long Bytes)> _mapped = [];
    private long _held;

    /// <summary>What renting <paramref name="length"/> elements of <paramref name="elementSize"/> bytes holds (the pool rounds up to a power of two).</summary>
    public static long PooledBytes(long length, int elementSize) => (long)BitOperations.RoundUpToPowerOf2((ulong)Math.Max(length, 16)) * elementSize;

    public T[] Rent<T>(int length)
    {
        var array = ArrayPool<T>.Shared.Rent(length);
        _rented.Add(array);
        Hold((long)array.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
        return array;
    }

    /// <summary><paramref name="bytes"/> zeroed bytes, pages made resident only as they are touched.</summary>
    public byte* Map(long bytes)
    {
        var address = (byte*)AnonymousMemory.AllocateZeroed((nuint)bytes);
        _mapped.Add(((nint)address, bytes));
        Hold(bytes);
        return address;
    }

    private void Hold(long bytes)
    {
        _held += bytes;
        budget.Held(_held);
    }

    public void Dispose()
    {
        foreach (var array in _rented) Return(array);
        foreach (var (address, bytes) in _mapped) AnonymousMemory.Free((void*)address, (nuint)bytes);
        _rented.Clear();
        _mapped.Clear();
        _held = 0;
    }

    private static void Return(Array array)
    {
        switch (array)
        {
            case float[] floats: ArrayPool<float>.Shared.Return(floats); break;
            case ulong[] words: ArrayPool<ulong>.Shared.Return(words); break;
            case int[] ints: ArrayPool<int>.Shared.Return(ints); break;
        }
    }
}
