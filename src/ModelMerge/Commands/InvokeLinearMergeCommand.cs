using System.Management.Automation;
using ModelMerge.Commands.Infrastructure;
using ModelMerge.Methods;
using ModelMerge.Plans.Handles;

namespace ModelMerge.Commands;

/// <summary>
/// <para type="synopsis">Weighted average of checkpoints (a model soup).</para>
/// <para type="description">out = Σ w_i·θ_i / Σ w_i per tensor (-Normalize, on by default; -Normalize:$false gives the
/// plain weighted sum). Checkpoints come from the pipeline or -Checkpoint (paths or handles).</para>
/// </summary>
/// <example><code>Get-Checkpoint ./a,./b,./c | Invoke-LinearMerge -Weight 2,1,1 | Export-Checkpoint ./soup</code></example>
[Cmdlet(VerbsLifecycle.Invoke, "LinearMerge")]
[OutputType(typeof(CheckpointHandle))]
public sealed class InvokeLinearMergeCommand : MergeCommand
{
    /// <summary>The checkpoints to average: handles or paths.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    public object[] Checkpoint { get; set; } = [];

    /// <summary>One weight per checkpoint, or one for all. Default 1 (a uniform average).</summary>
    [Parameter]
    public double[]? Weight { get; set; }

    /// <summary>Divide by the sum of the weights (default on).</summary>
    [Parameter]
    public SwitchParameter Normalize { get; set; }

    private readonly List<CheckpointHandle> _collected = [];

    protected override void ProcessRecord()
    {
        foreach (var item in Checkpoint)
        {
            try { _collected.Add(CheckpointResolver.Resolve(SessionState, item)); }
            catch (Exception ex) when (ex is Formats.CheckpointFormatException or IOException or ArgumentException)
            {
                ThrowTerminatingError(Errors.From(ex, item));
            }
        }
    }

    protected override void EndProcessing()
    {
        if (_collected.Count == 0) return;
        bool normalize = !MyInvocation.BoundParameters.ContainsKey(nameof(Normalize)) || Normalize.IsPresent;
        try
        {
            var merged = LinearMerge.Build(_collected, Weight, normalize, WriteWarning);
            WriteVerbose($"Planned {merged.Description}.");
            WriteMerged(merged);
        }
        catch (Exception ex) when (ex is Plans.PlanException or MergeException)
        {
            ThrowTerminatingError(Errors.From(ex));
        }
    }
}
