using System.Management.Automation;
using ModelMerge.Commands.Infrastructure;
using ModelMerge.Plans.Handles;

namespace ModelMerge.Commands;

/// <summary>
/// <para type="synopsis">Describes what fine-tuning changed: fine-tuned minus base, tensor by tensor.</para>
/// <para type="description">Emits one lazy task-vector handle per fine-tuned model. The base comes from the pipeline
/// (or -Base). -Weight sets each vector's weight in a later merge; -Negate flips it (task negation).</para>
/// </summary>
/// <example><code>Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 -Weight 1,0.5</code></example>
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

    /// <summary>Weight of each task vector in a later merge: one value for all, or one per fine-tune. Default 1.</summary>
    [Parameter]
    public double[] Weight { get; set; } = [1.0];

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
            double weight = (Weight.Length == 1 ? Weight[0] : Weight[i]) * (Negate ? -1 : 1);
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
