namespace ModelMerge.Methods.Framework;

/// <summary>What a method does with the base model (merge-semantics §2).</summary>
public enum BaseModelUse
{
    /// <summary>The method needs a base; building the merge without one is an error.</summary>
    Required,

    /// <summary>With a base the method merges task vectors and adds the base back; without one it merges the models.</summary>
    Optional,

    /// <summary>A base, if given, is one more input like the others (linear, karcher).</summary>
    Input,

    /// <summary>The method has no base (passthrough).</summary>
    None,
}

/// <summary>What the method's models are handed as.</summary>
public enum ModelValues
{
    /// <summary>The checkpoints' values θ_i.</summary>
    Checkpoints,

    /// <summary>Task vectors τ_i = θ_i − θ_base when there is a base (the checkpoints otherwise).</summary>
    TaskVectors,
}

/// <summary>What a method does when the models' embeddings have different vocabulary sizes (merge-semantics §7.2).</summary>
public enum VocabularyRule
{
    /// <summary>Every input must have the same shape.</summary>
    Exact,

    /// <summary>All inputs are cut to the rows they all have (linear, slerp, nuslerp, karcher, model_stock, arcee_fusion).</summary>
    CommonRows,

    /// <summary>Each model is cut to the base's rows; a model with fewer is an error (the task-arithmetic family).</summary>
    BaseRows,
}

/// <summary>
/// One registered merge method: its recipe name, what it needs, the parameters it reads, and
/// how to build its math for one tensor from parameters resolved for that tensor.
/// </summary>
/// <param name="MinModels">Fewest models besides the base.</param>
/// <param name="MaxModels">Most models besides the base; null for any number.</param>
/// <param name="Create">The per-tensor math; null for the task-arithmetic family, which the plan layer composes from sparsifiers and a combine.</param>
public sealed record MergeMethod(
    string Name,
    string DisplayName,
    string? Reference,
    BaseModelUse BaseModel,
    ModelValues Values,
    int MinModels,
    int? MaxModels,
    IReadOnlyList<MethodParameter> Parameters,
    Func<TensorParameters, ITensorMerge>? Create,
    TaskArithmeticMethod? TaskArithmetic = null,
    VocabularyRule Vocabulary = VocabularyRule.Exact)
{
    public MethodParameter? FindParameter(string name) =>
        Parameters.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
}
