namespace ModelMerge.Methods;

/// <summary>
/// The rows (last axis) that elements [start, start + count) of a flat tensor touch, each with
/// the part of the run it covers, [From, To) relative to start: how a per-row method (model_stock
/// filter_wise, arcee_fusion) walks a grid chunk whose first and last rows may continue in the
/// neighbouring chunks.
/// </summary>
internal readonly struct RowSegments(long start, int count, long rowLength)
{
    public Enumerator GetEnumerator() => new(start, start + count, rowLength);

    public struct Enumerator(long start, long end, long rowLength)
    {
        private long _row = start / rowLength - 1;

        public readonly (long Row, int From, int To) Current =>
            (_row, (int)(Math.Max(_row * rowLength, start) - start), (int)(Math.Min((_row + 1) * rowLength, end) - start));

        public bool MoveNext() => ++_row * rowLength < end;
    }
}
