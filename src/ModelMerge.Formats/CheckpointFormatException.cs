namespace ModelMerge.Formats;

/// <summary>
/// A file or folder that cannot be read as a checkpoint. <see cref="ErrorId"/> is stable:
/// scripts and the PowerShell layer key on it.
/// </summary>
public sealed class CheckpointFormatException : Exception
{
    public CheckpointFormatException(string errorId, string path, string message, string? tensorName = null, Exception? inner = null)
        : base(Compose(path, tensorName, message), inner)
    {
        ErrorId = errorId;
        Path = path;
        TensorName = tensorName;
    }

    public string ErrorId { get; }

    /// <summary>The file or folder at fault.</summary>
    public string Path { get; }

    /// <summary>The tensor at fault, when one is.</summary>
    public string? TensorName { get; }

    private static string Compose(string path, string? tensorName, string message) =>
        tensorName is null ? $"{path}: {message}" : $"{path}: tensor '{tensorName}': {message}";
}
