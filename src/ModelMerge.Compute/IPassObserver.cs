namespace ModelMerge.Compute;

/// <summary>
/// Told as a pass over a tensor moves from one window of chunks to the next, so that whatever
/// holds the inputs (memory maps) can read ahead of the pass and let go of what lies behind it.
/// Called between windows, never while a window's chunks run. Ranges are element indices.
/// </summary>
public interface IPassObserver
{
    /// <summary>The pass is about to read elements [start, end): the window it runs now and the one after.</summary>
    void Ahead(long start, long end);

    /// <summary>The pass has finished with elements [start, end).</summary>
    void Behind(long start, long end);
}
