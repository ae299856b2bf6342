namespace ModelMerge.Formats.Files;

/// <summary>Stable error ids for paths that name something other than a readable file of sensible size.</summary>
public static class FileErrors
{
    /// <summary>A FIFO, device, socket or folder where a file is read: a FIFO blocks the read, a device never ends it.</summary>
    public const string NotARegularFile = "NotARegularFile";

    /// <summary>A file over the size cap of what it claims to be (a config, a tokenizer, an index, a coefficient table).</summary>
    public const string TooLarge = "FileTooLarge";
}
