using ModelMerge.Methods.Framework;

namespace ModelMerge.Methods;

/// <summary>
/// Every merge method by its recipe name (merge-semantics §2), with the parameters it reads and
/// their defaults. A method is its file in this folder plus one line here.
/// </summary>
public static class MergeMethods
{
    public static IReadOnlyList<MergeMethod> All { get; } =
    [
        CommonRows(Linear.Method),
        CommonRows(Slerp.Method),
        CommonRows(Nuslerp.Method),
        Multislerp.Method,
        CommonRows(Karcher.Method),
        .. TaskArithmeticMethod.All.Select(TaskArithmeticFamily),
        CommonRows(ModelStock.Method),
        Sce.Method,
        Passthrough.Method,
        NearSwap.Method,
        CommonRows(ArceeFusion.Method),
        ReinforcedAgentMerge.Method,
        ReinforcedAgentMerge.PlusMethod,
    ];

    public static MergeMethod? Find(string name) =>
        All.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));

    public static IEnumerable<string> Names => All.Select(m => m.Name);

    /// <summary>§7.2: these methods merge the rows every model has when vocabularies differ.</summary>
    private static MergeMethod CommonRows(MergeMethod method) => method with { Vocabulary = VocabularyRule.CommonRows };

    /// <summary>The §2 row of a task-arithmetic-family method: weight, density and the sparsifier's own knob, plus the family's globals.</summary>
    private static MergeMethod TaskArithmeticFamily(TaskArithmeticMethod method)
    {
        var parameters = new List<MethodParameter>
        {
            MethodParameter.Model("weight", null, "Weight of the model's task vector; negative subtracts it."),
            MethodParameter.Model("density", TaskArithmeticMethod.DefaultDensity, "Fraction of the task vector the sparsifier keeps (1 keeps all)."),
        };
        if (method.Sparsifier == Sparsifier.MagnitudeOutliers)
            parameters.Add(MethodParameter.Model("gamma", TaskArithmeticMethod.DefaultGamma, "Fraction of the largest magnitudes dropped as outliers."));
        if (method.Sparsifier == Sparsifier.RankedRandom)
            parameters.Add(MethodParameter.Model("epsilon", TaskArithmeticMethod.DefaultEpsilon, "Spread of the keep probability around density, by magnitude rank."));
        parameters.Add(MethodParameter.Global("normalize", method.NormalizeDefault ? 1 : 0, "Divide by the sum of the (agreeing) weights.", ParameterKind.Boolean));
        parameters.Add(MethodParameter.Global("rescale", method.RescaleDefault ? 1 : 0, "Rescale survivors to the task vector's L1 norm.", ParameterKind.Boolean));
        parameters.Add(MethodParameter.Global("lambda", TaskArithmeticMethod.DefaultLambda, "Scales the combined delta before it is added to the base."));
        parameters.Add(MethodParameter.Global("int8_mask", 0, "Accepted for mergekit recipes; it changes no number.", ParameterKind.Boolean));
        return new MergeMethod(method.Name, method.DisplayName, method.Reference, BaseModelUse.Required, ModelValues.TaskVectors,
            MinModels: 0, MaxModels: null, parameters, Create: null, TaskArithmetic: method, Vocabulary: VocabularyRule.BaseRows);
    }
}
