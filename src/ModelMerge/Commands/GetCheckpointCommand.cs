using System.Management.Automation;
using ModelMerge.Commands.Infrastructure;
using ModelMerge.Plans.Handles;

namespace ModelMerge.Commands;

/// <summary>
/// <para type="synopsis">Opens a safetensors checkpoint as a lazy handle.</para>
/// <para type="description">Reads and validates the headers (and shard index) of a Hugging Face model folder or a
/// .safetensors file. No tensor data is read: the handle lists the tensors and feeds merge cmdlets and Export-Checkpoint.</para>
/// </summary>
/// <example><code>Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-TiesMerge -Density 0.2 | Export-Checkpoint ./merged</code></example>
[Cmdlet(VerbsCommon.Get, "Checkpoint")]
[OutputType(typeof(CheckpointHandle))]
public sealed class GetCheckpointCommand : PSCmdlet
{
    /// <summary>Model folder(s) or .safetensors file(s). Wildcards are expanded.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    protected override void ProcessRecord()
    {
        foreach (var path in Path)
        {
            foreach (var resolved in Resolve(path))
            {
                try
                {
                    WriteVerbose($"Reading headers of {resolved}.");
                    WriteObject(CheckpointHandle.Open(resolved));
                }
                catch (Exception ex) when (ex is Formats.CheckpointFormatException or IOException or UnauthorizedAccessException)
                {
                    WriteError(Errors.From(ex, resolved));
                }
            }
        }
    }

    private IEnumerable<string> Resolve(string path)
    {
        if (!WildcardPattern.ContainsWildcardCharacters(path))
            return [CheckpointResolver.ProviderPath(SessionState, path)];
        try
        {
            return GetResolvedProviderPathFromPSPath(path, out _);
        }
        catch (ItemNotFoundException ex)
        {
            WriteError(new ErrorRecord(ex, "CheckpointNotFound", ErrorCategory.ObjectNotFound, path));
            return [];
        }
    }
}
