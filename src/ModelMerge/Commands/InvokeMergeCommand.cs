using System.Management.Automation;
using ModelMerge.Methods;
using ModelMerge.Plans.Handles;

namespace ModelMerge.Commands;

/// <summary>
/// <para type="synopsis">Runs a named recipe method over task vectors, with mergekit's defaults.</para>
/// <para type="description">task_arithmetic, ties, dare_linear and dare_ties, with exactly the defaults a mergekit
/// recipe gets (density 1, lambda 1; normalize on only for ties; L1 rescale on for the DARE methods). Parameters you
/// give override them.</para>
/// </summary>
/// <example><code>Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-Merge -Method dare_ties -Density 0.5 -Seed 7 | Export-Checkpoint ./out</code></example>
[Cmdlet(VerbsLifecycle.Invoke, "Merge")]
[OutputType(typeof(CheckpointHandle))]
public sealed class InvokeMergeCommand : TaskVectorMergeCommand
{
    /// <summary>The recipe method: task_arithmetic, ties, dare_linear or dare_ties.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateSet("task_arithmetic", "ties", "dare_linear", "dare_ties", IgnoreCase = true)]
    public string Method { get; set; } = "";

    /// <summary>Per-vector density (one value, or one per vector). Default 1 (no sparsification).</summary>
    [Parameter]
    [ValidateRange(0.0, 1.0)]
    public double[]? Density { get; set; }

    /// <summary>Normalize by the weights; the method's default when not given.</summary>
    [Parameter]
    public SwitchParameter Normalize { get; set; }

    /// <summary>How random drops rescale survivors; the method's default (L1 for DARE) when not given.</summary>
    [Parameter]
    public Rescale? Rescale { get; set; }

    /// <summary>Sign election rule for ties and dare_ties.</summary>
    [Parameter]
    public SignRule SignRule { get; set; } = SignRule.Sum;

    /// <summary>Keys the random masks of the DARE methods. Default 0.</summary>
    [Parameter]
    public ulong Seed { get; set; }

    protected override (TaskArithmeticMethod, TaskArithmeticOptions) Configure() =>
        (TaskArithmeticMethod.Find(Method)!, new TaskArithmeticOptions
        {
            Density = Density,
            Normalize = Given(nameof(Normalize), Normalize),
            Rescale = Rescale,
            Lambda = Lambda,
            SignRule = SignRule,
            Seed = Seed,
        });
}
