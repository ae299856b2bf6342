using System.Management.Automation;
using ModelMerge.Commands.Infrastructure;
using ModelMerge.Plans.Handles;
using ModelMerge.Plans.Parameters;

namespace ModelMerge.Commands;

/// <summary>
/// <para type="synopsis">Describes a range of a model's layers for a layer stack (a passthrough "frankenmerge").</para>
/// <para type="description">A slice is layers [start, end) of one model — the end is exclusive, as in a recipe's
/// layer_range — optionally scaled, e.g. -Scale @{ o_proj = 0.5; down_proj = 0.5; default = 1 } to damp duplicated layers.
/// Pipe slices to Join-LayerSlice to build the stacked checkpoint. Nothing is read but headers.</para>
/// </summary>
/// <example><code>New-LayerSlice ./model-b -LayerRange 16,32 -Scale @{ o_proj = 0.5; down_proj = 0.5; default = 1 }</code></example>
[Cmdlet(VerbsCommon.New, "LayerSlice")]
[OutputType(typeof(LayerSlice))]
public sealed class NewLayerSliceCommand : PSCmdlet
{
    /// <summary>The model the layers come from: a handle (from the pipeline) or a path.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [CheckpointArgument]
    public CheckpointHandle Model { get; set; } = null!;

    /// <summary>First layer and the layer after the last: 0,24 takes layers 0 to 23.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateCount(2, 2)]
    public int[] LayerRange { get; set; } = [];

    /// <summary>Multiplies the slice's values (passthrough's scale): a number, or per-tensor filters and gradients over the slice's layers.</summary>
    [Parameter]
    [ParameterSetting]
    public ParameterSetting? Scale { get; set; }

    protected override void ProcessRecord() => WriteObject(new LayerSlice(Model, LayerRange[0], LayerRange[1], Scale));
}
