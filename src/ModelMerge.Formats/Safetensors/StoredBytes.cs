using System.Buffers;

namespace ModelMerge.Formats.Safetensors;

/// <summary>Bytes read from a stored tensor into a pooled array; disposing returns the array to the pool.</summary>
public readonly struct StoredBytes : IDisposable
{
    private readonly byte[] _array;
    private readonly int _length;

    private StoredBytes(byte[] array, int length)
    {
        _array = array;
        _length = length;
    }

    public ReadOnlySpan<byte> Span => _array.AsSpan(0, _length);

    internal Span<byte> Writable => _array.AsSpan(0, _length);

    internal static StoredBytes Rent(int length) => new(ArrayPool<byte>.Shared.Rent(length), length);

    public void Dispose()
    {
        if (_array is not null) ArrayPool<byte>.Shared.Return(_array);
    }
}
