using ModelMerge.Methods.Framework;
using ModelMerge.Plans.Graph;
using ModelMerge.Plans.Parameters;

namespace ModelMerge.Plans.Handles;

/// <summary>
/// Builds any registered method's merge as one lazy checkpoint. Everything that can be wrong
/// with the request — a missing base, the wrong number of models, models of another
/// architecture, a parameter without a value for some tensor — is found here, before any
/// tensor data is read.
/// </summary>
public static class MethodMerge
{
    public const string BaseModelRequired = "BaseModelRequired";
    public const string BaseModelNotUsed = "BaseModelNotUsed";
    public const string ModelCountMismatch = "ModelCountMismatch";

    /// <param name="warn">Told about settings the method does not read.</param>
    public static CheckpointHandle Build(MergeRequest request, Action<string>? warn = null)
    {
        var method = request.Method;
        var baseModel = CommonBase(request);
        var models = ModelsOf(request, baseModel);
        var donor = baseModel ?? models.FirstOrDefault()?.Checkpoint
            ?? throw new PlanException("NoInput", $"{method.Name} needs at least one model.");
        var methodBase = method.BaseModel is BaseModelUse.Required or BaseModelUse.Optional ? baseModel : null;
        var alignment = Align(method, donor, methodBase, models, warn);
        WarnUnused(request, models, warn);

        var positions = LayerPositions.Of(alignment.Outputs.Select(t => t.Name));
        var names = models.Select(m => m.Name).ToList();
        var settings = models.Select(m => m.Settings).ToList();
        int first = methodBase is null ? 0 : 1;
        var resolved = new Dictionary<string, TensorParameters>(StringComparer.Ordinal);
        foreach (var spec in alignment.Outputs.Where(t => t.IsMergeable))
            resolved[spec.Name] = ParameterResolution.Resolve(method, spec.Name, spec.Shape, positions.For(spec.Name),
                names, models.Select((m, i) => m.SourceNameOf(alignment.SourceName(first + i, spec.Name))).ToList(), settings, request.Settings);

        ITensorPlan Merged(TensorSpec spec)
        {
            var parameters = resolved[spec.Name];
            var basePlan = methodBase is null ? null : PrefixPlan.Of(methodBase.PlanFor(alignment.SourceName(0, spec.Name)), spec.ElementCount);
            string Source(int i) => alignment.SourceName(first + i, spec.Name);
            if (method.TaskArithmetic is { } family)
                return TaskArithmeticMerge.PlanTensor(family, basePlan!, models.Select((m, i) => m.Delta(spec, Source(i), basePlan!)).ToList(),
                    parameters, request);
            var plans = models.Select((m, i) => basePlan is not null && method.Values == ModelValues.TaskVectors
                ? m.Delta(spec, Source(i), basePlan) : m.Values(spec, Source(i))).ToList();
            return new MethodPlan(basePlan, plans, spec.Shape, method.Create!(parameters));
        }

        string description = $"{method.Name}({Describe(request.Settings)}) of [{string.Join(", ", models.Select(Describe))}]"
            + (methodBase is null ? "" : $" over {methodBase.Name}");
        var inputs = new HashSet<string>(donor.InputPaths, StringComparer.Ordinal);
        foreach (var model in models) inputs.UnionWith(model.InputPaths);
        var config = new Dictionary<string, long>(donor.ConfigChanges);
        if (alignment.VocabularyRows is long rows)
        {
            config["vocab_size"] = rows;
            warn?.Invoke($"the merged embeddings have {rows} rows; config.json's vocab_size is set to match.");
        }
        var summary = new MergeSummary(method.Name, method.DisplayName, method.Reference, methodBase?.Name ?? (method.BaseModel == BaseModelUse.Input ? baseModel?.Name : null),
            models.Select(m => m.TaskVector?.FineTuned?.Name ?? m.Name).ToList());
        return new CheckpointHandle(method.Name, description, null, alignment.Outputs,
            spec => spec.IsMergeable ? Merged(spec) : donor.PlanFor(spec.Name), donor.Donor, inputs, config, summary: summary);
    }

    /// <summary>Lines up the tensors of the base (when the method has one) and the models with the donor's.</summary>
    private static TensorAlignment Align(MergeMethod method, CheckpointHandle donor, CheckpointHandle? methodBase, IReadOnlyList<MergeInput> models,
        Action<string>? warn)
    {
        var inputs = new List<TensorAlignment.Input>();
        if (methodBase is not null) inputs.Add(new(methodBase.Name, methodBase.FindTensor, methodBase.Tensors.Select(t => t.Name), IsBase: true));
        foreach (var model in models) inputs.Add(new(model.Name, model.FindTensor, model.TensorNames, IsBase: false));
        return TensorAlignment.Build(method.Vocabulary, method.Name, donor, inputs, warn);
    }

    /// <summary>The base: the one given, else the task vectors' common base; it must agree with every vector's.</summary>
    private static CheckpointHandle? CommonBase(MergeRequest request)
    {
        var vectors = request.Inputs.Where(i => i.TaskVector is not null).Select(i => i.TaskVector!).ToList();
        var baseModel = request.Base;
        if (vectors.Count > 0)
        {
            var common = Compatibility.RequireCommonBase(vectors);
            if (baseModel is not null && !Compatibility.SameCheckpoint(baseModel, common))
                throw new PlanException(Compatibility.BaseMismatch,
                    $"the task vectors are relative to '{common}', not to the base '{baseModel}' given to {request.Method.Name}.", baseModel.Name);
            baseModel ??= common;
        }
        var method = request.Method;
        if (method.BaseModel == BaseModelUse.Required && baseModel is null)
            throw new PlanException(BaseModelRequired,
                $"{method.Name} needs a base model: give -Base, or pipe task vectors from Get-TaskVector.");
        if (method.BaseModel == BaseModelUse.None && request.Base is not null)
            throw new PlanException(BaseModelNotUsed, $"{method.Name} does not use a base model; leave out -Base.", request.Base.Name);
        return baseModel;
    }

    /// <summary>The models the method combines: the inputs, plus the base when the method takes it as one more input.</summary>
    private static List<MergeInput> ModelsOf(MergeRequest request, CheckpointHandle? baseModel)
    {
        var method = request.Method;
        var models = request.Inputs.ToList();
        if (method.BaseModel == BaseModelUse.Input && baseModel is not null && !models.Any(m => m.Checkpoint is not null && Compatibility.SameCheckpoint(m.Checkpoint, baseModel)))
            models.Add(MergeInput.Of(baseModel, request.BaseSettings));
        int count = models.Count;
        if (count < method.MinModels || (method.MaxModels is int max && count > max))
        {
            string expected = method.MaxModels == method.MinModels ? $"exactly {method.MinModels}"
                : method.MaxModels is null ? $"at least {method.MinModels}" : $"{method.MinModels} to {method.MaxModels}";
            throw new PlanException(ModelCountMismatch,
                $"{method.Name} merges {expected} model(s){(method.BaseModel == BaseModelUse.Required ? " besides the base" : "")}; it was given {count}.");
        }
        foreach (var model in models) ParameterResolution.Validate(method, model.Settings, model.Name);
        ParameterResolution.Validate(method, request.Settings, method.Name);
        return models;
    }

    private static void WarnUnused(MergeRequest request, IReadOnlyList<MergeInput> models, Action<string>? warn)
    {
        if (warn is null) return;
        var method = request.Method;
        foreach (var name in request.Settings.Keys.Where(n => method.FindParameter(n) is null))
            warn($"parameter {name} is not used by {method.Name}; it is ignored.");
        foreach (var model in models)
            foreach (var (name, setting) in model.Settings)
            {
                // A task vector always carries a weight; only a weight someone set is worth a word.
                bool defaultWeight = name.Equals("weight", StringComparison.OrdinalIgnoreCase) && setting.IsConstant && setting.Resolve("", 0) == 1;
                if (method.FindParameter(name) is null && !defaultWeight)
                    warn($"parameter {name} of {model.Name} is not used by {method.Name}; it is ignored.");
            }
    }

    private static string Describe(IReadOnlyDictionary<string, ParameterSetting> settings) =>
        string.Join(", ", settings.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}={s.Value}"));

    private static string Describe(MergeInput model) =>
        model.Settings.Count == 0 ? model.TaskVector?.Description ?? model.Name : $"{model.TaskVector?.Description ?? model.Name} ({Describe(model.Settings)})";
}
