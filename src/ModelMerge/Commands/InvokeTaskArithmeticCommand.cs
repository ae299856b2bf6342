using System.Management.Automation;
using ModelMerge.Methods;
using ModelMerge.Plans.Handles;
using ModelMerge.Plans.Parameters;

namespace ModelMerge.Commands;

/// <summary>
/// <para type="synopsis">Task arithmetic: base + λ·Σ w_i·τ_i.</para>
/// <para type="description">Adds the weighted task vectors to their base. Negative weights (Get-TaskVector -Negate)
/// subtract a behaviour. -Normalize divides the sum by Σw (by 1 when the weights sum to zero).</para>
/// </summary>
/// <example><code>Get-Checkpoint ./base | Get-TaskVector ./math,./code | Invoke-TaskArithmetic -Lambda 0.8 | Export-Checkpoint ./out</code></example>
[Cmdlet(VerbsLifecycle.Invoke, "TaskArithmetic")]
[OutputType(typeof(CheckpointHandle))]
public sealed class InvokeTaskArithmeticCommand : TaskVectorMergeCommand
{
    /// <summary>Divide the weighted sum by the sum of the weights. Default off.</summary>
    [Parameter]
    public SwitchParameter Normalize { get; set; }

    protected override TaskArithmeticMethod Configure(Dictionary<string, ParameterSetting> settings, IReadOnlyList<Dictionary<string, ParameterSetting>> perVector)
    {
        settings["normalize"] = ParameterSetting.Of(Normalize.IsPresent);
        return TaskArithmeticMethod.TaskArithmetic;
    }
}
