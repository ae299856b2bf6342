namespace ModelMerge.Formats;

/// <summary>
/// A weight file's size and last write time when its header was read. A merge trusts the header
/// it planned with; a file rewritten since (or while it is read) would feed it other bytes, so
/// every read checks the stamp first and the export checks it again before the output is committed.
/// </summary>
public sealed record FileStamp(long Length, DateTime LastWriteUtc)
{
    public const string InputChanged = "InputChanged";

    public static FileStamp Of(string path)
    {
        var info = FileLength.Target(path);
        return new FileStamp(info.Exists ? info.Length : -1, info.Exists ? info.LastWriteTimeUtc : DateTime.MinValue);
    }

    /// <summary>Throws <see cref="InputChanged"/> when <paramref name="path"/> is not the file this stamp describes any more.</summary>
    public void Verify(string path, string? tensor = null)
    {
        var now = Of(path);
        if (now == this) return;
        string what = now.Length < 0 ? "it was deleted"
            : now.Length != Length ? $"it was {Length} bytes and is now {now.Length}"
            : $"it was rewritten at {now.LastWriteUtc:O} (read at {LastWriteUtc:O})";
        throw new CheckpointFormatException(InputChanged, path,
            $"the file changed after its header was read ({what}); nothing computed from it can be trusted. Run the merge again once the inputs are stable.", tensor);
    }
}
