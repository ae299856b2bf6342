using System.Management.Automation;
using ModelMerge.Commands.Infrastructure;
using ModelMerge.Methods;
using ModelMerge.Plans.Handles;
using ModelMerge.Plans.Parameters;

namespace ModelMerge.Commands;

/// <summary>
/// <para type="synopsis">Fisher-weighted average of checkpoints: each model weighs most where its Fisher information is highest.</para>
/// <para type="description">Per element, out = Σ λ_i·(F_i + ε)·θ_i / Σ λ_i·(F_i + ε) (Matena and Raffel), where F_i is the diagonal
/// Fisher of model i. ModelMerge cannot compute gradients: each model's Fisher is a checkpoint made elsewhere with the
/// model's tensor names and shapes (its integer buffers may be left out), given with -Fisher in the models' order.
/// Where Σ λ_i·(F_i + ε) is 0 (only possible with -Epsilon 0) the element is the plain weighted average Σ λ_i·θ_i / Σ λ_i.
/// A negative, NaN or infinite Fisher value stops the export with an InvalidFisher error naming the tensor, the model and
/// the element. Checkpoints come from the pipeline or -Checkpoint (paths or handles); non-float tensors are the first
/// model's.</para>
/// </summary>
/// <example><code>Get-Checkpoint ./ft-code,./ft-chat | Invoke-FisherMerge -Fisher ./fisher-code,./fisher-chat | Export-Checkpoint ./merged</code></example>
/// <example><code>Get-Checkpoint ./a,./b | Invoke-FisherMerge -Fisher ./fa,./fb -Weight @{ mlp = 2; default = 1 }, 1 -Epsilon 0</code></example>
[Cmdlet(VerbsLifecycle.Invoke, "FisherMerge")]
[OutputType(typeof(CheckpointHandle))]
public sealed class InvokeFisherMergeCommand : MergeCommand
{
    /// <summary>The checkpoints to average: handles or paths.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    public object[] Checkpoint { get; set; } = [];

    /// <summary>Each model's diagonal Fisher, one checkpoint (handle or path) per model in the models' order, with the model's tensor names and shapes.</summary>
    [Parameter(Mandatory = true)]
    public object[] Fisher { get; set; } = [];

    /// <summary>
    /// λ, multiplying each model's Fisher: one setting for all models or one per model; a setting may vary by tensor
    /// (@{ mlp = 2; default = 1 }) and layer. Finite and ≥ 0. Default 1.
    /// </summary>
    [Parameter]
    [ParameterSetting(PerModel = true)]
    public ParameterSetting[]? Weight { get; set; }

    /// <summary>ε, added to every Fisher value so that no model's weight is exactly 0 (§10.2). Default 1e-8; 0 turns it off.</summary>
    [Parameter]
    [ValidateRange(0.0, double.MaxValue)]
    public double Epsilon { get; set; } = FisherWeighted.DefaultEpsilon;

    private readonly List<CheckpointHandle> _collected = [];
    private readonly List<CheckpointHandle> _fishers = [];

    /// <summary>The Fishers are opened first, so a missing one stops the pipeline before any model is read.</summary>
    protected override void BeginProcessing() => _fishers.AddRange(Fisher.Select(Open));

    protected override void ProcessRecord() => _collected.AddRange(Checkpoint.Select(Open));

    protected override void EndProcessing()
    {
        if (_collected.Count == 0) return;
        try
        {
            var merged = FisherMerge.Build(_collected, _fishers, Weight, Epsilon);
            WriteVerbose($"Planned {merged.Description}.");
            WriteMerged(merged);
        }
        catch (Exception ex) when (ex is Plans.PlanException or MergeException)
        {
            ThrowTerminatingError(Errors.From(ex));
        }
    }

    private CheckpointHandle Open(object item)
    {
        try { return CheckpointResolver.Resolve(SessionState, item); }
        catch (Exception ex) when (ex is Formats.CheckpointFormatException or IOException or ArgumentException)
        {
            ThrowTerminatingError(Errors.From(ex, item));
            throw;
        }
    }
}
