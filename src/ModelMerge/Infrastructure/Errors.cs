using System.Management.Automation;
using ModelMerge.Formats;
using ModelMerge.Methods;
using ModelMerge.Plans;

namespace ModelMerge.Commands.Infrastructure;

/// <summary>The one place that turns failures into ErrorRecords: a stable id, a category, the target.</summary>
internal static class Errors
{
    public static ErrorRecord From(Exception exception, object? target = null) => exception switch
    {
        CheckpointFormatException e => new ErrorRecord(e, e.ErrorId, CategoryFor(e.ErrorId), target ?? e.Path),
        Formats.Recipes.RecipeException e => new ErrorRecord(e, e.ErrorId, CategoryFor(e.ErrorId), target ?? e.SourceName),
        PlanException e => new ErrorRecord(e, e.ErrorId, CategoryFor(e.ErrorId), target ?? e.Target),
        MergeException e => new ErrorRecord(e, e.ErrorId, ErrorCategory.InvalidArgument, target ?? e.TensorName),
        UnauthorizedAccessException e => new ErrorRecord(e, "AccessDenied", ErrorCategory.PermissionDenied, target),
        IOException e => new ErrorRecord(e, "WriteFailed", ErrorCategory.WriteError, target),
        _ => new ErrorRecord(exception, exception.GetType().Name, ErrorCategory.NotSpecified, target),
    };

    public static ErrorRecord InvalidInput(string errorId, string message, object? target) =>
        new(new ArgumentException(message), errorId, ErrorCategory.InvalidArgument, target);

    private static ErrorCategory CategoryFor(string errorId) => errorId switch
    {
        "CheckpointNotFound" or "CheckpointNoWeights" or "ShardMissing" => ErrorCategory.ObjectNotFound,
        "OutputExists" or "OutputNotReplaceable" => ErrorCategory.ResourceExists,
        "OutputNotWritable" => ErrorCategory.PermissionDenied,
        "WriteFailed" => ErrorCategory.WriteError,
        "OutputIsInput" => ErrorCategory.InvalidArgument,
        "OutputHeaderTooLarge" => ErrorCategory.LimitsExceeded,
        "SafetensorsUnreadable" or "ShardIndexUnreadable" or "RecipeUnreadable" or "CompanionUnreadable" or "NotARegularFile" => ErrorCategory.ReadError,
        "TensorSetMismatch" or "TensorShapeMismatch" or "TensorDTypeMismatch" or "EmbeddingTooSmall" or "BaseMismatch" or "ParameterCountMismatch" => ErrorCategory.InvalidArgument,
        _ => ErrorCategory.InvalidData,
    };
}
