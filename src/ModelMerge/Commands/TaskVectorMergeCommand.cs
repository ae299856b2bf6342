using System.Management.Automation;
using ModelMerge.Commands.Infrastructure;
using ModelMerge.Methods;
using ModelMerge.Plans.Handles;
using ModelMerge.Plans.Parameters;

namespace ModelMerge.Commands;

/// <summary>
/// What the task-arithmetic-family cmdlets share: they collect every task vector from the
/// pipeline and, at the end, emit one lazy merged checkpoint over the vectors' common base.
/// </summary>
public abstract class TaskVectorMergeCommand : MergeCommand
{
    /// <summary>The task vectors to merge (from Get-TaskVector or Invoke-DareDrop), all over one base.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public TaskVectorHandle[] TaskVector { get; set; } = [];

    /// <summary>Scales the combined delta before it is added to the base (λ): a number, a layer gradient or per-tensor filters. Default 1.</summary>
    [Parameter]
    [ParameterSetting]
    public ParameterSetting Lambda { get; set; } = ParameterSetting.Of(TaskArithmeticMethod.DefaultLambda);

    private readonly List<TaskVectorHandle> _collected = [];

    protected override void ProcessRecord() => _collected.AddRange(TaskVector);

    protected override void EndProcessing()
    {
        if (_collected.Count == 0) return;
        var settings = new Dictionary<string, ParameterSetting>(StringComparer.OrdinalIgnoreCase) { ["lambda"] = Lambda };
        var perModel = PerModelSettings.Empty(_collected.Count);
        try
        {
            var method = Configure(settings, perModel);
            var request = new MergeRequest(MergeMethods.Find(method.Name)!, _collected.Select((v, i) => MergeInput.Of(v, perModel[i])).ToList())
            {
                Settings = settings,
                SignRule = ElectionRule,
            };
            var merged = MethodMerge.Build(request, WriteWarning);
            WriteVerbose($"Planned {merged.Description}.");
            WriteMerged(merged);
        }
        catch (Exception ex) when (ex is Plans.PlanException or MergeException or ArgumentException)
        {
            ThrowTerminatingError(Errors.From(ex));
        }
    }

    /// <summary>The sign rule of methods with consensus.</summary>
    protected virtual SignRule ElectionRule => SignRule.Sum;

    /// <summary>The method; adds the cmdlet's own parameters to the merge-wide and per-vector settings.</summary>
    protected abstract TaskArithmeticMethod Configure(Dictionary<string, ParameterSetting> settings, IReadOnlyList<Dictionary<string, ParameterSetting>> perVector);

    /// <summary>A switch the user gave, as a setting; nothing when not given (the method's default).</summary>
    protected void SetSwitch(Dictionary<string, ParameterSetting> settings, string name, string parameter, SwitchParameter value)
    {
        if (MyInvocation.BoundParameters.ContainsKey(parameter)) settings[name] = ParameterSetting.Of(value.IsPresent);
    }

    /// <summary>One setting for every vector, or one per vector.</summary>
    protected static void Spread(string name, ParameterSetting[] values, Dictionary<string, ParameterSetting> settings,
        IReadOnlyList<Dictionary<string, ParameterSetting>> perVector) =>
        PerModelSettings.Spread(name, values, settings, perVector);
}
