using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;

namespace ModelMerge.Compute.Gpu;

/// <summary>
/// Moves tensors between host memory and the device through two page-locked staging buffers,
/// each with its own stream. From pageable memory (a memory map, a managed array) a copy is
/// synchronous and the driver stages it through its own small buffer; here, while the copy
/// engine moves one buffer across the bus, the CPU fills (or empties) the other, so a transfer
/// takes as long as the slower of the memory copy and the bus instead of their sum.
/// </summary>
/// <remarks>
/// One instance per accelerator, made once and kept for the session. The buffers are shared,
/// so a transfer holds them for its whole length: two exports on one GPU take turns.
/// </remarks>
public sealed class StagedTransfers : IDisposable
{
    /// <summary>32 MB per buffer: large enough that a copy's fixed cost is negligible, small enough that the first piece starts at once.</summary>
    public const int DefaultPieceBytes = 32 << 20;

    private readonly object _gate = new();
    private readonly PageLockedArray1D<byte>[] _staging;
    private readonly AcceleratorStream[] _streams;

    private StagedTransfers(PageLockedArray1D<byte>[] staging, AcceleratorStream[] streams, int pieceBytes)
    {
        _staging = staging;
        _streams = streams;
        PieceBytes = pieceBytes;
    }

    /// <summary>Bytes per staged piece.</summary>
    public int PieceBytes { get; }

    /// <summary>The staging buffers for <paramref name="accelerator"/>, or null with the reason when page-locked memory is refused.</summary>
    public static StagedTransfers? TryCreate(Accelerator accelerator, int pieceBytes, out string? reason)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pieceBytes, 16);
        var staging = new List<PageLockedArray1D<byte>>(2);
        var streams = new List<AcceleratorStream>(2);
        try
        {
            for (int slot = 0; slot < 2; slot++)
            {
                staging.Add(accelerator.AllocatePageLocked1D<byte>(pieceBytes, uninitialized: true));
                streams.Add(accelerator.CreateStream());
            }
            reason = null;
            return new StagedTransfers([.. staging], [.. streams], pieceBytes);
        }
        catch (Exception ex) when (ex is AcceleratorException or OutOfMemoryException or NotSupportedException or InvalidOperationException)
        {
            foreach (var buffer in staging) buffer.Dispose();
            foreach (var stream in streams) stream.Dispose();
            reason = $"page-locked staging buffers could not be allocated ({ex.Message}); transfers are synchronous";
            return null;
        }
    }

    /// <summary>Copies <paramref name="source"/> into <paramref name="destination"/> (the same length); returns when the device holds it.</summary>
    public unsafe void Upload<T>(ReadOnlySpan<T> source, ArrayView1D<T, Stride1D.Dense> destination) where T : unmanaged
    {
        if (destination.Length != source.Length) throw new ArgumentException("the destination must be as long as the source.", nameof(destination));
        fixed (T* pinned = source)
        {
            nint first = (nint)pinned;
            Upload(destination, (start, piece) => new ReadOnlySpan<T>((T*)first + start, piece.Length).CopyTo(piece));
        }
    }

    /// <summary>
    /// Fills <paramref name="destination"/> piece by piece: <paramref name="fill"/> writes elements
    /// [start, start + piece.Length) straight into a staging buffer (a file read lands there with no
    /// copy in between) while the other buffer crosses the bus. Returns when the device holds it all.
    /// </summary>
    public void Upload<T>(ArrayView1D<T, Stride1D.Dense> destination, StagedFill<T> fill) where T : unmanaged
    {
        int perPiece = PieceBytes / Marshal.SizeOf<T>();
        lock (_gate)
        {
            int piece = 0;
            for (long start = 0; start < destination.Length; start += perPiece, piece++)
            {
                int slot = piece & 1;
                int count = (int)Math.Min(perPiece, destination.Length - start);
                // The buffer's previous piece must have left it before it is filled again.
                _streams[slot].Synchronize();
                var staged = Staged<T>(slot, count);
                fill(start, staged);
                destination.SubView(start, count).AsContiguous().CopyFromCPUUnsafeAsync(_streams[slot], ref MemoryMarshal.GetReference(staged), count);
            }
            SynchronizeBoth();
        }
    }

    /// <summary>
    /// Copies <paramref name="source"/> to the host piece by piece, handing each piece to
    /// <paramref name="consume"/> (valid only during the call) while the next one crosses the bus.
    /// </summary>
    /// <param name="piece">Elements per piece at most (the staging buffer's capacity bounds it too).</param>
    public void Download<T>(ArrayView1D<T, Stride1D.Dense> source, int piece, StagedPieceAction<T> consume) where T : unmanaged
    {
        int perPiece = Math.Min(piece, PieceBytes / Marshal.SizeOf<T>());
        ArgumentOutOfRangeException.ThrowIfLessThan(perPiece, 1, nameof(piece));
        lock (_gate)
        {
            // The kernels that wrote the source ran on the default stream; these copies run on others.
            source.GetAccelerator().DefaultStream.Synchronize();
            long pieces = (source.Length + perPiece - 1) / perPiece;
            for (long p = 0; p <= pieces; p++)
            {
                if (p < pieces) Enqueue(source, p, perPiece);
                if (p == 0) continue;
                long done = p - 1;
                int slot = (int)(done & 1);
                _streams[slot].Synchronize();
                consume(Staged<T>(slot, Count(source.Length, done, perPiece)));
            }
        }
    }

    private void Enqueue<T>(ArrayView1D<T, Stride1D.Dense> source, long piece, int perPiece) where T : unmanaged
    {
        int slot = (int)(piece & 1);
        int count = Count(source.Length, piece, perPiece);
        var staged = Staged<T>(slot, count);
        source.SubView(piece * perPiece, count).AsContiguous().CopyToCPUUnsafeAsync(_streams[slot], ref MemoryMarshal.GetReference(staged), count);
    }

    private static int Count(long length, long piece, int perPiece) => (int)Math.Min(perPiece, length - piece * perPiece);

    private Span<T> Staged<T>(int slot, int count) where T : unmanaged =>
        MemoryMarshal.Cast<byte, T>(_staging[slot].Span)[..count];

    private void SynchronizeBoth()
    {
        _streams[0].Synchronize();
        _streams[1].Synchronize();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            SynchronizeBoth();
            foreach (var stream in _streams) stream.Dispose();
            foreach (var buffer in _staging) buffer.Dispose();
        }
    }
}

/// <summary>Writes elements [start, start + piece.Length) of an upload into <paramref name="piece"/>, a staging buffer.</summary>
public delegate void StagedFill<T>(long start, Span<T> piece) where T : unmanaged;

/// <summary>Receives one downloaded piece; the span is valid only during the call.</summary>
public delegate void StagedPieceAction<T>(ReadOnlySpan<T> piece) where T : unmanaged;
