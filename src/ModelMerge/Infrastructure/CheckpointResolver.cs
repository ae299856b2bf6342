using System.Management.Automation;
using ModelMerge.Plans.Handles;

namespace ModelMerge.Commands.Infrastructure;

/// <summary>
/// Turns what a user passes for a model (a path string, a FileSystemInfo, or a handle) into a
/// checkpoint handle, resolving relative paths against the session's current location.
/// </summary>
internal static class CheckpointResolver
{
    public static CheckpointHandle Resolve(SessionState session, object? value)
    {
        object? item = value is PSObject ps ? ps.BaseObject : value;
        return item switch
        {
            CheckpointHandle handle => handle,
            FileSystemInfo info => CheckpointHandle.Open(info.FullName),
            string path => CheckpointHandle.Open(ProviderPath(session, path)),
            null => throw new ArgumentNullException(nameof(value), "a checkpoint path or handle is required."),
            _ => throw new ArgumentException($"'{item}' ({item.GetType().Name}) is neither a checkpoint path nor a checkpoint handle."),
        };
    }

    /// <summary>The id of a path on a drive that is not the file system (Variable:, Env:, Function:).</summary>
    public const string NotAFileSystemPath = "NotAFileSystemPath";

    /// <summary>
    /// A file-system path for <paramref name="path"/>, relative to the session's location. A path on another
    /// provider's drive is refused, as Export-Csv refuses it: resolved naively, <c>Variable:/x</c> would read or
    /// write a file named x in the current folder.
    /// </summary>
    public static string ProviderPath(SessionState session, string path)
    {
        string resolved = session.Path.GetUnresolvedProviderPathFromPSPath(path, out var provider, out _);
        if (provider.ImplementingType == typeof(Microsoft.PowerShell.Commands.FileSystemProvider)) return resolved;
        string message = $"'{path}' is on the {provider.Name} drive, not the file system; give a file or folder path.";
        throw new RuntimeException(message, null,
            new ErrorRecord(new ArgumentException(message), NotAFileSystemPath, ErrorCategory.InvalidArgument, path));
    }
}
