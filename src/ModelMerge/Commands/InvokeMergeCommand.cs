using System.Collections;
using System.Management.Automation;
using ModelMerge.Commands.Infrastructure;
using ModelMerge.Methods;
using ModelMerge.Methods.Framework;
using ModelMerge.Plans.Handles;
using ModelMerge.Plans.Parameters;

namespace ModelMerge.Commands;

/// <summary>
/// <para type="synopsis">Runs any merge method by its recipe name, with mergekit's parameters and defaults.</para>
/// <para type="description">Takes task vectors (from Get-TaskVector, which bring their base and weights) or checkpoints
/// (paths or handles, with -Base when the method uses one) from the pipeline and returns one lazy merged checkpoint, which
/// can be exported or merged again. Every parameter of the method can be given: per-model ones (-Weight, -Density, -Gamma,
/// -Epsilon, -Scale) as one value for all models or one per model; global ones (-T, -Lambda, ...) once. Any value may be a
/// number, a gradient over layer depth (0, 0.5, 1; for per-model parameters inside a hashtable) or per-tensor filters
/// (@{ self_attn = 0.3; mlp = 0.7; default = 0.5 }). -Parameter takes any parameter by its recipe name. Defaults are
/// mergekit's (e.g. density 1, lambda 1); where a required weight is not given anywhere, every model weighs 1.</para>
/// </summary>
/// <example><code>Get-Checkpoint ./base | Get-TaskVector ./ft1,./ft2 | Invoke-Merge -Method dare_ties -Density 0.5 -Seed 7 | Export-Checkpoint ./out</code></example>
/// <example><code>Get-Checkpoint ./ft-code | Invoke-Merge slerp -Base ./ft-chat -T @{ self_attn = 0, 0.5, 0.3, 0.7, 1; mlp = 1, 0.5, 0.7, 0.3, 0; default = 0.5 }</code></example>
/// <example><code>Get-Checkpoint ./a,./b,./c | Invoke-Merge model_stock -Base ./base</code></example>
[Cmdlet(VerbsLifecycle.Invoke, "Merge")]
[OutputType(typeof(CheckpointHandle))]
public sealed class InvokeMergeCommand : MergeCommand
{
    /// <summary>The method's recipe name (linear, slerp, ties, dare_ties, model_stock, ...); tab completion lists them all.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ArgumentCompleter(typeof(MergeMethodCompleter))]
    public string Method { get; set; } = "";

    /// <summary>The models to merge: task vectors, checkpoint handles or paths, in recipe order.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [Alias("TaskVector", "Checkpoint")]
    public object[] InputObject { get; set; } = [];

    /// <summary>The base model (a handle or a path). Task vectors bring theirs; a base given here must be the same one.</summary>
    [Parameter]
    [CheckpointArgument]
    public CheckpointHandle? Base { get; set; }

    /// <summary>Weight of each model (weight): one setting for all or one per model. Task vectors' own weights apply when this is not given.</summary>
    [Parameter]
    [ParameterSetting(PerModel = true)]
    public ParameterSetting[]? Weight { get; set; }

    /// <summary>Fraction each model's task vector keeps (density): one setting for all or one per model. Default 1.</summary>
    [Parameter]
    [ParameterSetting(PerModel = true)]
    public ParameterSetting[]? Density { get; set; }

    /// <summary>Breadcrumbs' fraction of largest magnitudes dropped (gamma), one for all or one per model. Default 0.01.</summary>
    [Parameter]
    [ParameterSetting(PerModel = true)]
    public ParameterSetting[]? Gamma { get; set; }

    /// <summary>DELLA's keep-probability spread (epsilon, per model) or the threshold of ram methods (global). Default per method.</summary>
    [Parameter]
    [ParameterSetting(PerModel = true)]
    public ParameterSetting[]? Epsilon { get; set; }

    /// <summary>Passthrough's factor on the model's values (scale), one for all or one per model.</summary>
    [Parameter]
    [ParameterSetting(PerModel = true)]
    public ParameterSetting[]? Scale { get; set; }

    /// <summary>The interpolation position t of slerp and nearswap: 0 is the base, 1 the other model. Required by them.</summary>
    [Parameter]
    [ParameterSetting]
    public ParameterSetting? T { get; set; }

    /// <summary>Scales the combined task vector before it is added to the base (lambda). Default 1.</summary>
    [Parameter]
    [ParameterSetting]
    public ParameterSetting? Lambda { get; set; }

    /// <summary>Normalize by the weights (normalize, or normalize_weights for multislerp); the method's default when not given.</summary>
    [Parameter]
    public SwitchParameter Normalize { get; set; }

    /// <summary>How sparsifiers rescale survivors: None, L1 (mergekit's rescale) or Inverse (1/density); the method's default when not given.</summary>
    [Parameter]
    public Rescale? Rescale { get; set; }

    /// <summary>Sign election rule of the consensus methods: Sum (default) or Count.</summary>
    [Parameter]
    public SignRule SignRule { get; set; } = SignRule.Sum;

    /// <summary>Keys the random masks of DARE and DELLA. Default 0.</summary>
    [Parameter]
    public ulong Seed { get; set; }

    /// <summary>Fraction of the highest-variance elements SCE keeps (select_topk). Default 1.</summary>
    [Parameter]
    [ParameterSetting]
    public ParameterSetting? SelectTopK { get; set; }

    /// <summary>Model Stock per row instead of per tensor (filter_wise).</summary>
    [Parameter]
    public SwitchParameter FilterWise { get; set; }

    /// <summary>Karcher's iteration limit (max_iter). Default 10.</summary>
    [Parameter]
    [ValidateRange(1, Karcher.IterationLimit)]
    public int? MaxIterations { get; set; }

    /// <summary>Karcher's convergence tolerance (tol). Default 1e-5.</summary>
    [Parameter]
    public double? Tolerance { get; set; }

    /// <summary>Any parameter by its recipe name, e.g. @{ nuslerp_row_wise = $true; eps = 1e-6 }. The named parameters above win over it.</summary>
    [Parameter]
    public Hashtable? Parameter { get; set; }

    private readonly List<object> _collected = [];

    protected override void ProcessRecord() => _collected.AddRange(InputObject);

    protected override void EndProcessing()
    {
        if (_collected.Count == 0) return;
        var method = MergeMethods.Find(Method);
        if (method is null)
            ThrowTerminatingError(Errors.InvalidInput("UnknownMergeMethod",
                $"'{Method}' is not a merge method; use one of {string.Join(", ", MergeMethods.Names)}.", Method));
        try
        {
            var merged = MethodMerge.Build(Request(method!), WriteWarning);
            WriteVerbose($"Planned {merged.Description}.");
            var carried = merged.Tensors.Where(t => !t.IsMergeable).Select(t => $"{t.Name} ({t.DType})").ToList();
            if (carried.Count > 0)
                WriteVerbose($"Carried unchanged from the base (the first model when there is none): {string.Join(", ", carried)}; they are not floating point, so no method touches them.");
            WriteMerged(merged);
        }
        catch (Exception ex) when (ex is Plans.PlanException or MergeException or ArgumentException or IOException or Formats.CheckpointFormatException)
        {
            ThrowTerminatingError(Errors.From(ex));
        }
    }

    private MergeRequest Request(MergeMethod method)
    {
        var inputs = _collected.Select(Input).ToList();
        var settings = new Dictionary<string, ParameterSetting>(StringComparer.OrdinalIgnoreCase);
        if (Parameter is not null)
            foreach (DictionaryEntry entry in Parameter)
                settings[entry.Key.ToString()!] = ParameterSettingAttribute.ToSetting(entry.Value);
        var perModel = PerModelSettings.Empty(inputs.Count);
        var baseSettings = new Dictionary<string, ParameterSetting>(StringComparer.OrdinalIgnoreCase);
        bool baseIsInput = method.BaseModel == BaseModelUse.Input && Base is not null;
        PerModelSettings.Spread("weight", Weight, settings, perModel, baseIsInput ? baseSettings : null);
        PerModelSettings.Spread("density", Density, settings, perModel);
        PerModelSettings.Spread("gamma", Gamma, settings, perModel);
        PerModelSettings.Spread("epsilon", Epsilon, settings, perModel);
        PerModelSettings.Spread("scale", Scale, settings, perModel);
        Set(settings, "t", T);
        Set(settings, "lambda", Lambda);
        Set(settings, "select_topk", SelectTopK);
        if (MyInvocation.BoundParameters.ContainsKey(nameof(Normalize)))
            settings[method.FindParameter("normalize") is null && method.FindParameter("normalize_weights") is not null ? "normalize_weights" : "normalize"]
                = ParameterSetting.Of(Normalize.IsPresent);
        if (MyInvocation.BoundParameters.ContainsKey(nameof(FilterWise))) settings["filter_wise"] = ParameterSetting.Of(FilterWise.IsPresent);
        if (Rescale is Rescale rescale) settings["rescale"] = ParameterSetting.Of(rescale != Methods.Rescale.None);
        if (MaxIterations is int iterations) settings["max_iter"] = ParameterSetting.Of(iterations);
        if (Tolerance is double tolerance) settings["tol"] = ParameterSetting.Of(tolerance);
        if (method.FindParameter("weight") is { Required: true } && !settings.ContainsKey("weight"))
        {
            settings["weight"] = ParameterSetting.Of(1.0);
            WriteVerbose("No weight given: every model without one of its own weighs 1.");
        }
        WriteVerbose($"{method.Name} ({method.DisplayName}): {string.Join("; ", method.Parameters.Select(p => InForce(p, settings)))}.");
        return new MergeRequest(method, inputs.Select((input, i) => input.Checkpoint is not null
            ? MergeInput.Of(input.Checkpoint, perModel[i])
            : MergeInput.Of(input.TaskVector!, perModel[i])).ToList())
        {
            Base = Base,
            Settings = settings,
            BaseSettings = baseSettings,
            Seed = Seed,
            SignRule = SignRule,
            RescaleRule = Rescale is Rescale rule && rule != Methods.Rescale.None ? rule : Methods.Rescale.L1,
        };
    }

    private (CheckpointHandle? Checkpoint, TaskVectorHandle? TaskVector) Input(object item) =>
        (item is PSObject ps ? ps.BaseObject : item) is TaskVectorHandle vector ? (null, vector) : (CheckpointResolver.Resolve(SessionState, item), null);

    private static void Set(Dictionary<string, ParameterSetting> settings, string name, ParameterSetting? value)
    {
        if (value is not null) settings[name] = value;
    }

    private static string InForce(MethodParameter parameter, IReadOnlyDictionary<string, ParameterSetting> settings) =>
        settings.TryGetValue(parameter.Name, out var value) ? $"{parameter.Name} = {value}"
        : parameter.PerModel ? $"{parameter.Name} = per model" + (parameter.Default is double d ? $", else {d} (default)" : "")
        : parameter.Default is double g ? $"{parameter.Name} = {g} (default)" : $"{parameter.Name} = (required, not given)";
}
