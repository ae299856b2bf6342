namespace ModelMerge.Methods;

/// <summary>A merge that cannot be computed as asked (a density that keeps nothing, weights that sum to zero).</summary>
public sealed class MergeException : Exception
{
    public MergeException(string errorId, string message, string? tensorName = null)
        : base(tensorName is null ? message : $"tensor '{tensorName}': {message}")
    {
        ErrorId = errorId;
        TensorName = tensorName;
    }

    /// <summary>Stable id for scripts and the PowerShell layer.</summary>
    public string ErrorId { get; }

    public string? TensorName { get; }
}
