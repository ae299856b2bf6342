using System.IO.MemoryMappedFiles;
using ModelMerge.Formats.Numerics;

namespace ModelMerge.Formats.Safetensors;

/// <summary>
/// A read-only memory map of one tensor's bytes. Mapping per tensor (not per file) keeps the
/// resident set to the tensors in flight: mapped file pages count toward a process's RSS.
/// </summary>
public sealed unsafe class MappedTensor : IDisposable
{
    private readonly MemoryMappedFile? _file;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _start;
    private bool _disposed;

    private MappedTensor(TensorInfo info, MemoryMappedFile? file, MemoryMappedViewAccessor? view, byte* start)
    {
        Info = info;
        _file = file;
        _view = view;
        _start = start;
    }

    public TensorInfo Info { get; }

    public static MappedTensor Open(TensorInfo info)
    {
        info.Stamp?.Verify(info.FilePath, info.Name);
        if (info.ByteLength == 0) return new MappedTensor(info, null, null, null);
        MemoryMappedFile? file = null;
        MemoryMappedViewAccessor? view = null;
        try
        {
            long length = new FileInfo(info.FilePath).Length;
            if (info.FileOffset + info.ByteLength > length)
                throw new CheckpointFormatException(SafetensorsErrors.Truncated, info.FilePath,
                    $"the file is now {length} bytes, too short for this tensor; it changed after its header was read.", info.Name);
            file = MemoryMappedFile.CreateFromFile(info.FilePath, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            view = file.CreateViewAccessor(info.FileOffset, info.ByteLength, MemoryMappedFileAccess.Read);
            byte* basePointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref basePointer);
            return new MappedTensor(info, file, view, basePointer + view.PointerOffset);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            view?.Dispose();
            file?.Dispose();
            throw new CheckpointFormatException(SafetensorsErrors.Unreadable, info.FilePath, $"cannot map the tensor's bytes: {ex.Message}", info.Name, ex);
        }
    }

    /// <summary>The raw bytes from <paramref name="byteOffset"/> (relative to the tensor).</summary>
    public ReadOnlySpan<byte> Bytes(long byteOffset, int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if ((ulong)byteOffset + (ulong)length > (ulong)Info.ByteLength) throw new ArgumentOutOfRangeException(nameof(byteOffset));
        return new ReadOnlySpan<byte>(_start + byteOffset, length);
    }

    /// <summary>The bytes of elements [start, start + count).</summary>
    public ReadOnlySpan<byte> ElementBytes(long start, int count)
    {
        int size = Info.DType.SizeOf();
        return Bytes(start * size, count * size);
    }

    /// <summary>Elements [start, start + destination.Length) widened to float32.</summary>
    /// <returns>True when all of them are finite; false when one is NaN or ±∞ (tested while widening).</returns>
    public bool ReadSingles(long start, Span<float> destination) =>
        ElementConversion.ToSingle(Info.DType, ElementBytes(start, destination.Length), destination);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
        _file?.Dispose();
    }
}
