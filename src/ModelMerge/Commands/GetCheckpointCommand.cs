using System.Management.Automation;
using ModelMerge.Commands.Infrastructure;
using ModelMerge.Plans.Handles;

namespace ModelMerge.Commands;

/// <summary>
/// <para type="synopsis">Opens a safetensors checkpoint as a lazy handle.</para>
/// <para type="description">Reads and validates the headers (and shard index) of a Hugging Face model folder or a
/// .safetensors file. No tensor data is read: the handle lists the tensors and feeds merge cmdlets and Export-Checkpoint.
/// When its output feeds another command, a checkpoint that cannot be opened stops the whole pipeline, so that no merge goes
/// ahead with one model fewer than asked; on its own (or assigned to a variable) it lists what it can open and reports the rest.</para>
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
                    Report(Errors.From(ex, resolved));
                }
            }
        }
    }

    /// <summary>A merge downstream would silently lose the model; listing alone carries on past it, as Get-Item does.</summary>
    private void Report(ErrorRecord error)
    {
        if (MyInvocation.PipelinePosition < MyInvocation.PipelineLength) ThrowTerminatingError(error);
        WriteError(error);
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
            Report(new ErrorRecord(ex, "CheckpointNotFound", ErrorCategory.ObjectNotFound, path));
            return [];
        }
    }
}
