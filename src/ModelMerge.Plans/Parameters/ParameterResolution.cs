using ModelMerge.Methods.Framework;

namespace ModelMerge.Plans.Parameters;

/// <summary>
/// Resolves a method's parameters for one tensor (merge-semantics §1.3): a per-model parameter
/// first from the model's own settings, then from the merge's; a global one from the merge's;
/// then the method's default. A required parameter with no value is an error naming the model
/// and the tensor.
/// </summary>
internal static class ParameterResolution
{
    /// <param name="modelTensorNames">Each model's name for the tensor (they differ from the output name only in layer stacks).</param>
    public static TensorParameters Resolve(MergeMethod method, string tensorName, long[] shape, double layerPosition,
        IReadOnlyList<string> modelNames, IReadOnlyList<string> modelTensorNames,
        IReadOnlyList<IReadOnlyDictionary<string, ParameterSetting>> modelSettings, IReadOnlyDictionary<string, ParameterSetting> settings)
    {
        var global = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        var perModel = new Dictionary<string, double[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var parameter in method.Parameters)
        {
            if (!parameter.PerModel)
            {
                global[parameter.Name] = Value(parameter, tensorName, layerPosition, null, settings, method.Name, tensorName);
                continue;
            }
            var values = new double[modelNames.Count];
            for (int i = 0; i < values.Length; i++)
                values[i] = Value(parameter, modelTensorNames[i], layerPosition, modelSettings[i], settings, modelNames[i], tensorName);
            perModel[parameter.Name] = values;
        }
        return new TensorParameters(tensorName, shape, modelNames.Count, global, perModel);
    }

    private static double Value(MethodParameter parameter, string name, double position, IReadOnlyDictionary<string, ParameterSetting>? own,
        IReadOnlyDictionary<string, ParameterSetting> merge, string owner, string tensorName)
    {
        double? value = null;
        if (own is not null && own.TryGetValue(parameter.Name, out var modelSetting)) value = modelSetting.Resolve(name, position);
        if (value is null && merge.TryGetValue(parameter.Name, out var mergeSetting)) value = mergeSetting.Resolve(name, position);
        value ??= parameter.Default;
        if (value is not double v)
            throw new PlanException(ParameterErrors.Missing,
                $"missing required parameter {parameter.Name} for {owner}.{tensorName}: give it a value that covers every tensor.", tensorName);
        if (parameter.Kind == ParameterKind.Integer && v != Math.Floor(v))
            throw new PlanException(ParameterErrors.Invalid, $"parameter {parameter.Name} must be a whole number; {v} is not.", tensorName);
        if (parameter.Range is { } range && !range.Contains(v))
            throw new PlanException(range.ErrorId,
                $"parameter {parameter.Name} of {owner} is {v} for tensor '{tensorName}'; ModelMerge takes {range.Minimum} to {range.Maximum}: give a value in that range.", tensorName);
        return v;
    }

    /// <summary>Rejects settings a parameter cannot take before any tensor is planned: depth gradients of booleans and integers.</summary>
    public static void Validate(MergeMethod method, IReadOnlyDictionary<string, ParameterSetting> settings, string owner)
    {
        foreach (var (name, setting) in settings)
        {
            var parameter = method.FindParameter(name);
            if (parameter is not null && parameter.Kind != ParameterKind.Number && setting.VariesWithDepth)
                throw new PlanException(ParameterErrors.Invalid,
                    $"parameter {parameter.Name} of {owner} is a {parameter.Kind.ToString().ToLowerInvariant()} and cannot be a gradient.", name);
        }
    }
}
