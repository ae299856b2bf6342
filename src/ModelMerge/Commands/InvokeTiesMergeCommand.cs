using System.Management.Automation;
using ModelMerge.Methods;
using ModelMerge.Commands.Infrastructure;
using ModelMerge.Plans.Handles;
using ModelMerge.Plans.Parameters;

namespace ModelMerge.Commands;

/// <summary>
/// <para type="synopsis">TIES: trim each task vector, elect a sign per element, average the agreeing values.</para>
/// <para type="description">Each vector keeps its floor(density·n) largest magnitudes per tensor (lower index first among
/// equals). Per element the sign of the weighted sum is elected (+ on a tie); only values with that sign are combined,
/// divided by the sum of their weights (-Normalize, on by default; -Normalize:$false sums them). -Density 1 skips the
/// trim (sign consensus only), which after Invoke-DareDrop gives DARE-TIES.</para>
/// </summary>
/// <example><code>Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-TiesMerge -Density 0.2 | Export-Checkpoint ./merged</code></example>
[Cmdlet(VerbsLifecycle.Invoke, "TiesMerge")]
[OutputType(typeof(CheckpointHandle))]
public sealed class InvokeTiesMergeCommand : TaskVectorMergeCommand
{
    /// <summary>
    /// Fraction of each tensor's elements each vector keeps: one setting, or one per vector; a setting may vary by tensor
    /// (@{ mlp = 0.3; default = 0.2 }) and layer. Default 0.2.
    /// </summary>
    [Parameter(Position = 0)]
    [ParameterSetting(PerModel = true)]
    public ParameterSetting[] Density { get; set; } = [ParameterSetting.Of(0.2)];

    /// <summary>Elect the sign by the sum of weighted values (Sum, default) or by majority of signs (Count).</summary>
    [Parameter]
    public SignRule SignRule { get; set; } = SignRule.Sum;

    /// <summary>Divide by the agreeing weights (default on); -Normalize:$false sums the agreeing values.</summary>
    [Parameter]
    public SwitchParameter Normalize { get; set; }

    protected override SignRule ElectionRule => SignRule;

    protected override TaskArithmeticMethod Configure(Dictionary<string, ParameterSetting> settings, IReadOnlyList<Dictionary<string, ParameterSetting>> perVector)
    {
        Spread("density", Density, settings, perVector);
        SetSwitch(settings, "normalize", nameof(Normalize), Normalize);
        return TaskArithmeticMethod.Ties;
    }
}
