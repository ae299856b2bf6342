namespace ModelMerge.Plans;

/// <summary>Inputs that cannot be combined as asked, found while building or exporting a plan.</summary>
public sealed class PlanException : Exception
{
    public PlanException(string errorId, string message, string? target = null, Exception? inner = null) : base(message, inner)
    {
        ErrorId = errorId;
        Target = target;
    }

    /// <summary>Stable id: TensorSetMismatch, TensorShapeMismatch, BaseMismatch, OutputExists, OutputIsInput, ...</summary>
    public string ErrorId { get; }

    /// <summary>The path or tensor at fault.</summary>
    public string? Target { get; }
}
