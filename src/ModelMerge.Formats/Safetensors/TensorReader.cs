using Microsoft.Win32.SafeHandles;
using ModelMerge.Formats.Numerics;

namespace ModelMerge.Formats.Safetensors;

/// <summary>
/// Reads one stored tensor's bytes with positional reads into buffers the reader owns. A memory
/// map would save a copy, but a weight file truncated under a map turns the next touch of a
/// vanished page into SIGBUS, which takes the whole PowerShell process down; a read of a file
/// that shrank just comes back short, and that is <see cref="FileStamp.InputChanged"/>. The copy
/// out of the page cache costs about what faulting mapped pages in did, and no input page ever
/// counts toward the process's resident set.
/// </summary>
/// <remarks>Safe for concurrent reads from many threads: each read names its own offset and buffer.</remarks>
public sealed class TensorReader : IDisposable
{
    private readonly SafeFileHandle? _handle;
    private long _readAheadEnd;

    private TensorReader(TensorInfo info, SafeFileHandle? handle)
    {
        Info = info;
        _handle = handle;
    }

    public TensorInfo Info { get; }

    public static TensorReader Open(TensorInfo info)
    {
        info.Stamp?.Verify(info.FilePath, info.Name);
        if (info.ByteLength == 0) return new TensorReader(info, null);
        SafeFileHandle handle;
        try
        {
            // Others may go on reading, and even writing: a writer is caught by the stamp and by short reads.
            handle = File.OpenHandle(info.FilePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointFormatException(SafetensorsErrors.Unreadable, info.FilePath, $"cannot open the file to read the tensor: {ex.Message}", info.Name, ex);
        }
        long length = RandomAccess.GetLength(handle);
        if (info.FileOffset + info.ByteLength > length)
        {
            handle.Dispose();
            throw new CheckpointFormatException(SafetensorsErrors.Truncated, info.FilePath,
                $"the file is now {length} bytes, too short for this tensor; it changed after its header was read.", info.Name);
        }
        return new TensorReader(info, handle);
    }

    /// <summary>Fills <paramref name="destination"/> with the tensor's bytes from <paramref name="byteOffset"/>.</summary>
    /// <exception cref="CheckpointFormatException">InputChanged: the file shrank while it was read.</exception>
    public void Read(long byteOffset, Span<byte> destination)
    {
        if (byteOffset < 0 || byteOffset + destination.Length > Info.ByteLength) throw new ArgumentOutOfRangeException(nameof(byteOffset));
        int done = 0;
        while (done < destination.Length)
        {
            int read;
            try
            {
                read = RandomAccess.Read(_handle!, destination[done..], Info.FileOffset + byteOffset + done);
            }
            catch (IOException ex)
            {
                throw new CheckpointFormatException(SafetensorsErrors.Unreadable, Info.FilePath,
                    $"reading bytes {byteOffset + done:N0}.. of the tensor failed: {ex.Message}", Info.Name, ex);
            }
            if (read == 0) throw Shrank(byteOffset + done);
            done += read;
        }
    }

    /// <summary>Elements [start, start + count) as stored, in a pooled buffer that goes back to the pool when disposed.</summary>
    public StoredBytes ReadElements(long start, int count)
    {
        int size = Info.DType.SizeOf();
        var bytes = StoredBytes.Rent(count * size);
        try
        {
            Read(start * size, bytes.Writable);
            return bytes;
        }
        catch
        {
            bytes.Dispose();
            throw;
        }
    }

    /// <summary>Elements [start, start + destination.Length) widened to float32.</summary>
    /// <returns>True when all of them are finite; false when one is NaN or ±∞ (tested while widening).</returns>
    public bool ReadSingles(long start, Span<float> destination)
    {
        using var bytes = ReadElements(start, destination.Length);
        return ElementConversion.ToSingle(Info.DType, bytes.Span, destination);
    }

    /// <summary>
    /// Asks for elements [start, end) to be read into the page cache ahead of a pass. Only the
    /// part beyond what was asked for before is advised: later passes find the rest cached.
    /// </summary>
    public void ReadAhead(long start, long end)
    {
        if (_handle is null) return;
        int size = Info.DType.SizeOf();
        long offset = Math.Clamp(start, 0, Info.ElementCount) * size;
        long stop = Math.Clamp(end, 0, Info.ElementCount) * size;
        long from = Math.Max(offset, Interlocked.Read(ref _readAheadEnd));
        if (from >= stop) return;
        Interlocked.Exchange(ref _readAheadEnd, stop);
        PageAdvice.ReadAhead(_handle, Info.FileOffset + from, stop - from);
    }

    private CheckpointFormatException Shrank(long byteOffset)
    {
        long now = _handle is null ? 0 : RandomAccess.GetLength(_handle);
        return new CheckpointFormatException(FileStamp.InputChanged, Info.FilePath,
            $"the file shrank to {now:N0} bytes while it was read (byte {Info.FileOffset + byteOffset:N0} of the tensor's data is gone); "
            + "nothing computed from it can be trusted. Run the merge again once nothing writes to the inputs.", Info.Name);
    }

    public void Dispose() => _handle?.Dispose();
}
