using System.Buffers;
using ModelMerge.Compute;

namespace ModelMerge.Methods.Framework;

/// <summary>Visits one chunk of every input.</summary>
public delegate void InputChunkVisitor(in InputChunk chunk);

/// <summary>Adds one chunk's contribution to <paramref name="sums"/> (zeroed before the call).</summary>
public delegate void ChunkSums(in InputChunk chunk, Span<double> sums);

/// <summary>
/// Adds the contribution of elements [offset, offset + length) of <paramref name="chunk"/>, which
/// all belong to row <paramref name="row"/>, to that row's <paramref name="sums"/>.
/// </summary>
public delegate void RowSegmentSums(in InputChunk chunk, long row, int offset, int length, Span<double> sums);

/// <summary>
/// The inputs of one tensor's merge, readable chunk by chunk: an optional base and the models
/// (checkpoint values or task vectors, as the method asked for), all of one shape. Whole-tensor
/// sums are accumulated per grid chunk and combined in chunk order, so they do not depend on
/// thread count or scheduling.
/// </summary>
public sealed class MergeInputs
{
    public MergeInputs(string tensorName, long[] shape, IChunkSource? baseTensor, IReadOnlyList<IChunkSource> models)
    {
        TensorName = tensorName;
        Shape = shape;
        Base = baseTensor;
        Models = models;
        Length = shape.Aggregate(1L, (a, b) => a * b);
        foreach (var source in models.Append(baseTensor))
            if (source is not null && source.Length != Length)
                throw new ArgumentException($"tensor '{tensorName}': an input has {source.Length} elements, the shape says {Length}.");
    }

    public string TensorName { get; }

    public long[] Shape { get; }

    public long Length { get; }

    public IChunkSource? Base { get; }

    public bool HasBase => Base is not null;

    public IReadOnlyList<IChunkSource> Models { get; }

    public int ModelCount => Models.Count;

    /// <summary>Length of a row: the last axis (a 1-D tensor is one row; a scalar is one row of one).</summary>
    public long RowLength => Shape.Length == 0 ? 1 : Shape[^1];

    public long RowCount => RowLength == 0 ? 0 : Length / RowLength;

    /// <summary>Reads chunk <paramref name="chunk"/> of every input and hands it to <paramref name="visit"/>.</summary>
    public void ReadChunk(long chunk, InputChunkVisitor visit)
    {
        var (start, count) = ChunkGrid.Chunk(Length, chunk);
        int inputs = Models.Count + (HasBase ? 1 : 0);
        var buffer = ArrayPool<float>.Shared.Rent(Math.Max(1, inputs * count));
        try
        {
            var span = buffer.AsSpan(0, inputs * count);
            int offset = 0;
            if (Base is not null)
            {
                Base.Read(start, span.Slice(0, count));
                offset = count;
            }
            for (int i = 0; i < Models.Count; i++) Models[i].Read(start, span.Slice(offset + i * count, count));
            visit(new InputChunk(start, count, HasBase, span.Slice(0, HasBase ? count : 0), Models.Count, span[offset..]));
        }
        finally { ArrayPool<float>.Shared.Return(buffer); }
    }

    /// <summary>Visits every chunk of every input, on all of the runner's cores.</summary>
    public void ForEachChunk(ChunkRunner runner, InputChunkVisitor visit) =>
        runner.ForEachChunk(Length, (chunk, _, _) => ReadChunk(chunk, visit));

    /// <summary>
    /// <paramref name="width"/> whole-tensor sums: each chunk's partial sums, then the partials
    /// added in chunk order (the same bits on any thread count).
    /// </summary>
    public double[] Sum(ChunkRunner runner, int width, ChunkSums visit)
    {
        long chunks = ChunkGrid.ChunkCount(Length);
        var partials = new double[chunks * width];
        runner.ForEachChunk(Length, (chunk, _, _) =>
            ReadChunk(chunk, (in InputChunk c) => visit(c, partials.AsSpan((int)(chunk * width), width))));
        var totals = new double[width];
        for (long c = 0; c < chunks; c++)
            for (int k = 0; k < width; k++) totals[k] += partials[c * width + k];
        return totals;
    }

    /// <summary>
    /// <paramref name="width"/> sums per row (rows of <see cref="RowLength"/> elements), laid out
    /// row-major: row r's sums at [r·width, (r+1)·width). A row that straddles grid chunks gets one
    /// partial per chunk, added in chunk order.
    /// </summary>
    public double[] SumPerRow(ChunkRunner runner, int width, RowSegmentSums visit)
    {
        long rowLength = RowLength, rows = RowCount;
        var totals = new double[rows * width];
        if (rows == 0) return totals;
        long chunks = ChunkGrid.ChunkCount(Length);
        var partials = new double[chunks][];
        runner.ForEachChunk(Length, (chunk, start, count) => ReadChunk(chunk, (in InputChunk c) =>
        {
            long firstRow = start / rowLength, lastRow = (start + count - 1) / rowLength;
            var local = new double[(lastRow - firstRow + 1) * width];
            for (long row = firstRow; row <= lastRow; row++)
            {
                long rowStart = Math.Max(row * rowLength, start), rowEnd = Math.Min((row + 1) * rowLength, start + count);
                visit(c, row, (int)(rowStart - start), (int)(rowEnd - rowStart), local.AsSpan((int)((row - firstRow) * width), width));
            }
            partials[chunk] = local;
        }));
        for (long chunk = 0; chunk < chunks; chunk++)
        {
            long firstRow = chunk * ChunkGrid.ChunkElements / rowLength;
            var local = partials[chunk];
            for (int k = 0; k < local.Length; k++) totals[firstRow * width + k] += local[k];
        }
        return totals;
    }
}
