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
    private readonly byte* _mapping;
    private readonly byte* _start;
    private long _readAheadEnd;
    private bool _disposed;

    private MappedTensor(TensorInfo info, MemoryMappedFile? file, MemoryMappedViewAccessor? view, byte* mapping, byte* start)
    {
        Info = info;
        _file = file;
        _view = view;
        _mapping = mapping;
        _start = start;
    }

    public TensorInfo Info { get; }

    public static MappedTensor Open(TensorInfo info)
    {
        info.Stamp?.Verify(info.FilePath, info.Name);
        if (info.ByteLength == 0) return new MappedTensor(info, null, null, null, null);
        MemoryMappedFile? file = null;
        MemoryMappedViewAccessor? view = null;
        try
        {
            long length = FileLength.Of(info.FilePath) ?? 0;
            if (info.FileOffset + info.ByteLength > length)
                throw new CheckpointFormatException(SafetensorsErrors.Truncated, info.FilePath,
                    $"the file is now {length} bytes, too short for this tensor; it changed after its header was read.", info.Name);
            file = MemoryMappedFile.CreateFromFile(info.FilePath, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            view = file.CreateViewAccessor(info.FileOffset, info.ByteLength, MemoryMappedFileAccess.Read);
            byte* basePointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref basePointer);
            return new MappedTensor(info, file, view, basePointer, basePointer + view.PointerOffset);
        }
        catch (IOException ex) when (AddressSpace.IsExhausted(ex))
        {
            view?.Dispose();
            file?.Dispose();
            throw new CheckpointFormatException(SafetensorsErrors.OutOfAddressSpace, info.FilePath,
                $"the system refused to map the tensor's {info.ByteLength:N0} bytes for lack of address space ({ex.Message}). " +
                "The process's virtual memory is capped (ulimit -v, a container limit) or exhausted: raise the cap (ulimit -v unlimited); the file itself is fine.",
                info.Name, ex);
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

    /// <summary>Lets go of the resident pages of elements [start, end): a pass has moved past them.</summary>
    public void Release(long start, long end)
    {
        if (TryByteRange(start, end, out long offset, out long length))
            PageAdvice.Release(_mapping, _start + Info.ByteLength, _start + offset, length);
    }

    /// <summary>
    /// Asks for elements [start, end) to be read ahead of a pass. Only the part beyond what was
    /// asked for before is advised: later passes over the tensor find it in the page cache.
    /// </summary>
    public void ReadAhead(long start, long end)
    {
        if (!TryByteRange(start, end, out long offset, out long length)) return;
        long from = Math.Max(offset, _readAheadEnd);
        if (from >= offset + length) return;
        _readAheadEnd = offset + length;
        PageAdvice.ReadAhead(_mapping, _start + Info.ByteLength, _start + from, offset + length - from);
    }

    /// <summary>The byte range of elements [start, end), clipped to the tensor: a pass over a shorter view of it (a vocabulary cut) shares its indices.</summary>
    private bool TryByteRange(long start, long end, out long offset, out long length)
    {
        int size = Info.DType.SizeOf();
        offset = Math.Clamp(start, 0, Info.ElementCount) * size;
        length = Math.Clamp(end, 0, Info.ElementCount) * size - offset;
        return !_disposed && _start is not null && length > 0;
    }

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
