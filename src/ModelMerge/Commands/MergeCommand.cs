using System.Management.Automation;
using ModelMerge.Plans.Devices;
using ModelMerge.Plans.Handles;

namespace ModelMerge.Commands;

/// <summary>What every cmdlet that emits a merged checkpoint shares: the device its export should compute on.</summary>
public abstract class MergeCommand : PSCmdlet
{
    /// <summary>
    /// Where the export of this merge computes: Auto, Cpu or Cuda (see Export-Checkpoint -Device). Export-Checkpoint's own
    /// -Device wins over it; without either, $ModelMergeDevice decides, else Auto.
    /// </summary>
    [Parameter]
    public ComputeDevice Device { get; set; }

    /// <summary>Emits <paramref name="merged"/>, carrying -Device when it was given.</summary>
    protected void WriteMerged(CheckpointHandle merged) =>
        WriteObject(MyInvocation.BoundParameters.ContainsKey(nameof(Device)) ? merged.WithDevice(Device) : merged);
}
