using System.Management.Automation;
using ModelMerge.Commands.Infrastructure;
using ModelMerge.Methods;
using ModelMerge.Plans.Handles;

namespace ModelMerge.Commands;

/// <summary>
/// What the task-arithmetic-family cmdlets share: they collect every task vector from the
/// pipeline and, at the end, emit one lazy merged checkpoint over the vectors' common base.
/// </summary>
public abstract class TaskVectorMergeCommand : PSCmdlet
{
    /// <summary>The task vectors to merge (from Get-TaskVector or Invoke-DareDrop), all over one base.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public TaskVectorHandle[] TaskVector { get; set; } = [];

    /// <summary>Scales the combined delta before it is added to the base (λ). Default 1.</summary>
    [Parameter]
    public double Lambda { get; set; } = TaskArithmeticMethod.DefaultLambda;

    private readonly List<TaskVectorHandle> _collected = [];

    protected override void ProcessRecord() => _collected.AddRange(TaskVector);

    protected override void EndProcessing()
    {
        if (_collected.Count == 0) return;
        var (method, options) = Configure();
        try
        {
            var merged = TaskArithmeticMerge.Build(method, _collected, options);
            WriteVerbose($"Planned {merged.Description}.");
            WriteObject(merged);
        }
        catch (Exception ex) when (ex is Plans.PlanException or MergeException or ArgumentException)
        {
            ThrowTerminatingError(Errors.From(ex));
        }
    }

    /// <summary>The method and its settings, from the cmdlet's parameters.</summary>
    protected abstract (TaskArithmeticMethod Method, TaskArithmeticOptions Options) Configure();

    /// <summary>A switch's value when the user gave it, else null (the method's default).</summary>
    protected bool? Given(string parameter, SwitchParameter value) =>
        MyInvocation.BoundParameters.ContainsKey(parameter) ? value.IsPresent : null;
}
