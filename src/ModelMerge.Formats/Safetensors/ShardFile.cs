using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ModelMerge.Formats.Safetensors;

/// <summary>
/// A new shard file written front to back. Where the platform allows, it bypasses the page
/// cache (Linux O_DIRECT): a merge writes gigabytes it will not read back, and copying them
/// through the cache costs the kernel a core that the merge needs; direct writes are DMA.
/// Elsewhere it is an ordinary buffered file. Either way <see cref="Complete"/> makes it durable.
/// </summary>
public abstract class ShardFile : IDisposable
{
    /// <summary>Creates <paramref name="path"/>, which must not exist, to hold <paramref name="length"/> bytes.</summary>
    public static ShardFile Create(string path, long length, bool preferDirect = true) =>
        (preferDirect ? DirectShardFile.TryCreate(path, length) : null) ?? (ShardFile)new BufferedShardFile(path, length);

    /// <summary>Whether this file bypasses the page cache.</summary>
    public abstract bool IsDirect { get; }

    public abstract void Write(ReadOnlySpan<byte> data);

    /// <summary>Writes what is buffered, checks the length is what was declared, and flushes to disk.</summary>
    public abstract void Complete();

    public abstract void Dispose();
}

internal sealed class BufferedShardFile : ShardFile
{
    private readonly FileStream _stream;
    private readonly long _length;

    public BufferedShardFile(string path, long length)
    {
        _length = length;
        _stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 20, FileOptions.SequentialScan);
        _stream.SetLength(length);
    }

    public override bool IsDirect => false;

    public override void Write(ReadOnlySpan<byte> data)
    {
        if (_stream.Position + data.Length > _length)
            throw new InvalidOperationException($"the shard received more than its {_length} bytes.");
        _stream.Write(data);
    }

    public override void Complete()
    {
        if (_stream.Position != _length)
            throw new InvalidOperationException($"the shard received {_stream.Position} of its {_length} bytes.");
        _stream.Flush(flushToDisk: true);
    }

    public override void Dispose() => _stream.Dispose();
}

/// <summary>
/// O_DIRECT needs block-aligned offsets, lengths and memory, so bytes gather in an aligned
/// buffer and go out in whole blocks; the last block is padded and the file truncated back.
/// A file system that accepts the open but refuses the first direct write gets the same bytes
/// through an ordinary buffered file instead.
/// </summary>
internal sealed unsafe class DirectShardFile : ShardFile
{
    private const int Alignment = 4096;
    private const int BufferBytes = 8 << 20;

    private readonly string _path;
    private readonly SafeFileHandle _handle;
    private readonly int _descriptor;
    private BufferedShardFile? _fallback;
    private readonly long _length;
    private readonly byte* _buffer;
    private int _buffered;
    private long _flushed;
    private bool _disposed;

    private DirectShardFile(string path, int descriptor, long length)
    {
        _path = path;
        _descriptor = descriptor;
        _handle = new SafeFileHandle(descriptor, ownsHandle: true);
        _length = length;
        _buffer = (byte*)NativeMemory.AlignedAlloc(BufferBytes, Alignment);
    }

    public override bool IsDirect => _fallback is null;

    /// <summary>Makes every first direct write fail, as some file systems do, so tests can reach the fallback.</summary>
    internal static volatile bool RefuseDirectWritesForTests;

    /// <summary>Null where direct I/O is not available (another OS, or a file system that refuses it).</summary>
    public static DirectShardFile? TryCreate(string path, long length)
    {
        if (!OperatingSystem.IsLinux()) return null;
        int direct = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 or Architecture.X86 => 0x4000,
            Architecture.Arm64 or Architecture.Arm => 0x10000,
            _ => 0,
        };
        if (direct == 0) return null;
        const int writeOnly = 0x1, create = 0x40, exclusive = 0x80, closeOnExec = 0x80000;
        int descriptor = Native.open(path, writeOnly | create | exclusive | closeOnExec | direct, 0b110_100_100);
        if (descriptor >= 0) return new DirectShardFile(path, descriptor, length);
        int error = Marshal.GetLastPInvokeError();
        const int invalidArgument = 22;
        if (error == invalidArgument) return null;
        throw new IOException($"cannot create '{path}': {Marshal.GetPInvokeErrorMessage(error)}", error);
    }

    public override void Write(ReadOnlySpan<byte> data)
    {
        if (_fallback is not null)
        {
            _fallback.Write(data);
            return;
        }
        while (!data.IsEmpty)
        {
            int take = Math.Min(data.Length, BufferBytes - _buffered);
            data[..take].CopyTo(new Span<byte>(_buffer + _buffered, take));
            _buffered += take;
            data = data[take..];
            if (_buffered == BufferBytes) Flush(BufferBytes);
            if (_fallback is not null)
            {
                _fallback.Write(data);
                return;
            }
        }
    }

    private void Flush(int bytes)
    {
        if (_flushed + _buffered > _length)
            throw new InvalidOperationException($"the shard received more than its {_length} bytes.");
        if (!TryWriteDirect(bytes))
        {
            FallBack();
            return;
        }
        _flushed += bytes;
        _buffered = 0;
    }

    /// <summary>Writes the first <paramref name="bytes"/> of the buffer at the flushed offset; false if the very first direct write is refused.</summary>
    private bool TryWriteDirect(int bytes)
    {
        if (RefuseDirectWritesForTests && _flushed == 0) return false;
        try
        {
            RandomAccess.Write(_handle, new ReadOnlySpan<byte>(_buffer, bytes), _flushed);
            return true;
        }
        catch (IOException) when (_flushed == 0)
        {
            return false;
        }
    }

    /// <summary>Reopens the (still empty) file buffered and hands it what is waiting in the buffer.</summary>
    private void FallBack()
    {
        _handle.Dispose();
        File.Delete(_path);
        _fallback = new BufferedShardFile(_path, _length);
        _fallback.Write(new ReadOnlySpan<byte>(_buffer, _buffered));
        _buffered = 0;
    }

    public override void Complete()
    {
        if (_fallback is not null)
        {
            _fallback.Complete();
            return;
        }
        long total = _flushed + _buffered;
        if (total != _length)
            throw new InvalidOperationException($"the shard received {total} of its {_length} bytes.");
        if (_buffered > 0)
        {
            int padded = (_buffered + Alignment - 1) / Alignment * Alignment;
            new Span<byte>(_buffer + _buffered, padded - _buffered).Clear();
            if (!TryWriteDirect(padded))
            {
                FallBack();
                _fallback!.Complete();
                return;
            }
            _flushed += _buffered;
            _buffered = 0;
        }
        Check(Native.ftruncate(_descriptor, _length), "truncate");
        Check(Native.fsync(_descriptor), "flush");
    }

    private static void Check(int result, string what)
    {
        if (result == 0) return;
        int error = Marshal.GetLastPInvokeError();
        throw new IOException($"cannot {what} the shard: {Marshal.GetPInvokeErrorMessage(error)}", error);
    }

    public override void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _handle.Dispose();
        _fallback?.Dispose();
        NativeMemory.AlignedFree(_buffer);
    }

    private static class Native
    {
        [DllImport("libc", SetLastError = true)]
        public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

        [DllImport("libc", SetLastError = true)]
        public static extern int ftruncate(int descriptor, long length);

        [DllImport("libc", SetLastError = true)]
        public static extern int fsync(int descriptor);
    }
}
