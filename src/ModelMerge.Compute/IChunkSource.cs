namespace ModelMerge.Compute;

/// <summary>
/// A flat float32 view of one tensor that is produced on request, a chunk at a time, so that
/// no tensor has to exist whole in float32. Reads may run on several threads at once.
/// </summary>
public interface IChunkSource
{
    long Length { get; }

    /// <summary>Writes elements [start, start + destination.Length) into <paramref name="destination"/>.</summary>
    void Read(long start, Span<float> destination);
}
