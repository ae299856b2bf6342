using ModelMerge.Methods.Framework;

namespace ModelMerge.Tests.Methods.Support;

/// <summary>
/// A registered method's parameters for one tensor as a recipe without filters or gradients
/// resolves them (merge-semantics §1.3): the values given, else the registry's defaults.
/// </summary>
internal static class ResolvedParameters
{
    /// <param name="weights">The per-model `weight`, when the method reads one.</param>
    /// <param name="globals">Global values that replace the defaults.</param>
    public static TensorParameters For(MergeMethod method, long[] shape, int models, double[]? weights = null,
        IReadOnlyDictionary<string, double>? globals = null)
    {
        var global = new Dictionary<string, double>();
        var perModel = new Dictionary<string, double[]>();
        foreach (var parameter in method.Parameters)
        {
            if (parameter.PerModel)
            {
                var values = parameter.Name == "weight" && weights is not null ? weights
                    : parameter.Default is double value ? Enumerable.Repeat(value, models).ToArray()
                    : throw new ArgumentException($"the test gives no value for the required per-model parameter '{parameter.Name}'.");
                perModel[parameter.Name] = values;
            }
            else
            {
                global[parameter.Name] = globals is not null && globals.TryGetValue(parameter.Name, out double given) ? given
                    : parameter.Default ?? throw new ArgumentException($"the test gives no value for the required parameter '{parameter.Name}'.");
            }
        }
        foreach (var name in globals?.Keys ?? [])
            if (method.FindParameter(name) is null) throw new ArgumentException($"{method.Name} has no parameter '{name}'.");
        return new TensorParameters("model.layers.0.mlp.up_proj.weight", shape, models, global, perModel);
    }

    /// <summary>The method's per-tensor math built from those parameters, as the plan layer builds it.</summary>
    public static ITensorMerge Create(MergeMethod method, long[] shape, int models, double[]? weights = null,
        IReadOnlyDictionary<string, double>? globals = null) =>
        method.Create!(For(method, shape, models, weights, globals));
}
