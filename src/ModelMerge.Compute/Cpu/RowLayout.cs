namespace ModelMerge.Compute.Cpu;

/// <summary>
/// How a tensor splits into the rows a per-row ranking runs along: <see cref="Slabs"/>
/// contiguous slabs of <see cref="RowLength"/>·<see cref="Stride"/> elements, row (s, i) holding
/// elements s·RowLength·Stride + b·Stride + i for b in [0, RowLength). Stride 1 is a matrix's
/// rows W[r, :]; a larger stride ranks along an inner axis of a higher-rank tensor.
/// </summary>
public readonly record struct RowLayout(long Slabs, long RowLength, long Stride)
{
    public long SlabLength => RowLength * Stride;

    public long Length => Slabs * SlabLength;

    /// <summary>Rows along axis <paramref name="axis"/> of a tensor of <paramref name="shape"/>; a scalar is one row of one.</summary>
    public static RowLayout AlongAxis(long[] shape, int axis)
    {
        if (shape.Length == 0) return new RowLayout(1, 1, 1);
        if (axis < 0 || axis >= shape.Length) throw new ArgumentOutOfRangeException(nameof(axis), $"axis {axis} is not an axis of a rank-{shape.Length} tensor.");
        long slabs = 1, stride = 1;
        for (int a = 0; a < axis; a++) slabs *= shape[a];
        for (int a = axis + 1; a < shape.Length; a++) stride *= shape[a];
        return new RowLayout(slabs, shape[axis], stride);
    }
}
