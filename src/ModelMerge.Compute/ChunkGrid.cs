namespace ModelMerge.Compute;

/// <summary>
/// The fixed grid every pass over a tensor uses. Whole-tensor float64 sums are accumulated per
/// grid chunk and combined in chunk order, so results do not depend on thread count or
/// scheduling; tie-breaking in top-k also counts per grid chunk.
/// </summary>
public static class ChunkGrid
{
    /// <summary>64 Ki elements: 256 KB of float32, small enough to stay in L2 next to its inputs.</summary>
    public const int ChunkElements = 1 << 16;

    public static long ChunkCount(long length) => (length + ChunkElements - 1) / ChunkElements;

    public static (long Start, int Count) Chunk(long length, long chunk)
    {
        long start = chunk * ChunkElements;
        return (start, (int)Math.Min(ChunkElements, length - start));
    }
}
