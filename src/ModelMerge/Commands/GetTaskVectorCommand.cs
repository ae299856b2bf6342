using System.Management.Automation;
using ModelMerge.Commands.Infrastructure;
using ModelMerge.Plans.Handles;
using ModelMerge.Plans.Parameters;

namespace ModelMerge.Commands;

/// <summary>
/// <para type="synopsis">Describes what fine-tuning changed: fine-tuned minus base, tensor by tensor.</para>
/// <para type="description">Emits one lazy task-vector handle per fine-tuned model. The base comes from the pipeline
/// (or -Base). -Weight sets each vector's weight in a later merge — a number, or per-tensor filters and layer gradients
/// such as @{ self_attn = 0, 0.5, 1; default = 0.5 } — and -Negate flips it (task negation).</para>
/// </summary>
/// <example><code>Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 -Weight 1,0.5</code></example>
/// <example><code>Get-Checkpoint ./base | Get-TaskVector ./ft-code -Weight @{ mlp = 0.8; self_attn = 0.2, 0.6; default = 0.5 }</code></example>
[Cmdlet(VerbsCommon.Get, "TaskVector")]
[OutputType(typeof(TaskVectorHandle))]
public sealed class GetTaskVectorCommand : PSCmdlet
{
    /// <summary>The fine-tuned models: paths or checkpoint handles.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public object[] FineTuned { get; set; } = [];

    /// <summary>The base model the fine-tunes started from: a handle (usually from the pipeline) or a path.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [CheckpointArgument]
    public CheckpointHandle Base { get; set; } = null!;

    /// <summary>
    /// Weight of each task vector in a later merge: one setting for all, or one per fine-tune. A setting is a number or a
    /// hashtable of tensor-name filters whose values are numbers or layer gradients (default or * for the rest). Default 1.
    /// </summary>
    [Parameter]
    [ParameterSetting(PerModel = true)]
    public ParameterSetting[] Weight { get; set; } = [ParameterSetting.Of(1.0)];

    /// <summary>Negates the vectors (weight × −1): subtract a behaviour instead of adding it.</summary>
    [Parameter]
    public SwitchParameter Negate { get; set; }

    private List<CheckpointHandle>? _fineTuned;

    protected override void BeginProcessing()
    {
        if (Weight.Length != 1 && Weight.Length != FineTuned.Length)
            ThrowTerminatingError(Errors.InvalidInput("ParameterCountMismatch",
                $"-Weight has {Weight.Length} values for {FineTuned.Length} fine-tuned models; give one value, or one per model.", Weight));
        _fineTuned = [];
        foreach (var item in FineTuned)
        {
            try { _fineTuned.Add(CheckpointResolver.Resolve(SessionState, item)); }
            catch (Exception ex) when (ex is Formats.CheckpointFormatException or IOException or ArgumentException)
            {
                ThrowTerminatingError(Errors.From(ex, item));
            }
        }
    }

    protected override void ProcessRecord()
    {
        for (int i = 0; i < _fineTuned!.Count; i++)
        {
            var weight = (Weight.Length == 1 ? Weight[0] : Weight[i]).Times(Negate ? -1 : 1);
            try
            {
                WriteObject(TaskVectors.Difference(Base, _fineTuned[i], weight));
            }
            catch (Plans.PlanException ex)
            {
                WriteError(Errors.From(ex, _fineTuned[i]));
            }
        }
    }
}
