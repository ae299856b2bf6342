namespace ModelMerge.Formats.Folders;

/// <summary>Stable error ids for checkpoint folders and shard indexes.</summary>
public static class CheckpointErrors
{
    public const string NotFound = "CheckpointNotFound";
    public const string NoWeights = "CheckpointNoWeights";
    public const string IndexInvalid = "ShardIndexInvalid";
    public const string IndexUnreadable = "ShardIndexUnreadable";
    public const string ShardOutsideFolder = "ShardPathOutsideFolder";
    public const string ShardMissing = "ShardMissing";
    public const string IndexMismatch = "ShardIndexMismatch";
    public const string DuplicateTensor = "CheckpointDuplicateTensor";
    public const string ConfigInvalid = "ConfigInvalid";
    public const string CompanionOutsideFolder = "CompanionPathOutsideFolder";
    public const string CompanionUnreadable = "CompanionUnreadable";
    public const string CompanionInvalid = "CompanionInvalid";
}
