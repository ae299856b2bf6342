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

    /// <summary>A file-system path for <paramref name="path"/>, relative to the session's location.</summary>
    public static string ProviderPath(SessionState session, string path) => session.Path.GetUnresolvedProviderPathFromPSPath(path);
}
