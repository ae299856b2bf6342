using System.Management.Automation;
using ModelMerge.Methods;
using ModelMerge.Commands.Infrastructure;
using ModelMerge.Plans.Handles;
using ModelMerge.Plans.Parameters;

namespace ModelMerge.Commands;

/// <summary>
/// <para type="synopsis">DARE: drops task-vector elements at random and rescales the survivors.</para>
/// <para type="description">Each element survives with probability -Density, drawn from a counter-based generator keyed
/// by (seed, tensor name, the vector's position in the pipeline, element index): the same seed gives the same mask on
/// any machine, thread count or shard layout. Survivors are rescaled to keep the tensor's L1 norm (mergekit's rule);
/// -Rescale Inverse multiplies by 1/density as the DARE paper does. Compose with Invoke-TiesMerge -Density 1 for DARE-TIES.</para>
/// </summary>
/// <example><code>Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-DareDrop -Density 0.5 -Seed 7 | Invoke-TiesMerge -Density 1 | Export-Checkpoint ./out</code></example>
[Cmdlet(VerbsLifecycle.Invoke, "DareDrop")]
[OutputType(typeof(TaskVectorHandle))]
public sealed class InvokeDareDropCommand : PSCmdlet
{
    /// <summary>The task vectors to sparsify (from Get-TaskVector); each keeps its own mask, keyed by its position in the pipeline.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public TaskVectorHandle[] TaskVector { get; set; } = [];

    /// <summary>Probability that an element survives (1 − the paper's drop rate p): a number, or per-tensor filters and layer gradients. Default 0.1.</summary>
    [Parameter(Position = 0)]
    [ParameterSetting]
    public ParameterSetting Density { get; set; } = ParameterSetting.Of(0.1);

    /// <summary>Keys the random masks. Default 0.</summary>
    [Parameter]
    public ulong Seed { get; set; }

    /// <summary>How survivors are scaled: L1 (default), Inverse (1/density) or None.</summary>
    [Parameter]
    public Rescale Rescale { get; set; } = Rescale.L1;

    private int _position;

    protected override void BeginProcessing() =>
        WriteVerbose($"DARE: density {Density}, seed {Seed}, rescale {Rescale}.");

    protected override void ProcessRecord()
    {
        foreach (var vector in TaskVector)
        {
            try
            {
                WriteObject(TaskVectors.RandomDrop(vector, Density, Seed, _position++, Rescale));
            }
            catch (Plans.PlanException ex)
            {
                ThrowTerminatingError(Errors.From(ex, vector));
            }
        }
    }
}
