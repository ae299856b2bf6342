using System.Management.Automation;
using ModelMerge.Commands.Infrastructure;
using ModelMerge.Plans.Handles;

namespace ModelMerge.Commands;

/// <summary>
/// <para type="synopsis">Stacks layer slices of one or more models into one checkpoint (passthrough with slices).</para>
/// <para type="description">Output layers are numbered consecutively across the slices in pipeline order and every
/// tensor is renamed to its output layer; the embeddings come from the first slice's model, the final norm and lm_head
/// from the last one's, and config.json's num_hidden_layers becomes the total (merge-semantics §7.4). The result is a
/// lazy checkpoint: export it, or merge it further.</para>
/// </summary>
/// <example><code>@(New-LayerSlice ./model-a 0,24; New-LayerSlice ./model-b 16,32) | Join-LayerSlice | Export-Checkpoint ./stacked</code></example>
[Cmdlet(VerbsCommon.Join, "LayerSlice")]
[OutputType(typeof(CheckpointHandle))]
public sealed class JoinLayerSliceCommand : MergeCommand
{
    /// <summary>The slices, in output order (from New-LayerSlice).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public LayerSlice[] Slice { get; set; } = [];

    private readonly List<LayerSlice> _collected = [];

    protected override void ProcessRecord() => _collected.AddRange(Slice);

    protected override void EndProcessing()
    {
        if (_collected.Count == 0) return;
        try
        {
            var stacked = LayerStack.Build(_collected);
            WriteVerbose($"Planned {stacked.Description}.");
            WriteMerged(stacked);
        }
        catch (Plans.PlanException ex)
        {
            ThrowTerminatingError(Errors.From(ex));
        }
    }
}
