using System.Management.Automation;

namespace ModelMerge.Commands.Infrastructure;

/// <summary>
/// Lets a parameter that takes a checkpoint handle also take a path (or a file-system item),
/// opened as Get-Checkpoint would open it, relative to the session's current location.
/// </summary>
public sealed class CheckpointArgumentAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        try
        {
            return CheckpointResolver.Resolve(engineIntrinsics.SessionState, inputData);
        }
        catch (Exception ex) when (ex is Formats.CheckpointFormatException or ArgumentException or IOException)
        {
            string id = ex is Formats.CheckpointFormatException format ? format.ErrorId + ": " : "";
            throw new ArgumentTransformationMetadataException(id + ex.Message, ex);
        }
    }
}
