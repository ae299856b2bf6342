namespace ModelMerge.Compute;

/// <summary>
/// Told as a pass over a tensor moves from one window of chunks to the next, so that whatever
/// holds the inputs can have the next window read while this one computes. Called between
/// windows, never while a window's chunks run. Ranges are element indices.
/// </summary>
public interface IPassObserver
{
    /// <summary>The pass is about to read elements [start, end): the window it runs now and the one after.</summary>
    void Ahead(long start, long end);
}
