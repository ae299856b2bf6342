namespace ModelMerge.Formats.Safetensors;

/// <summary>Stable error ids for files that are not valid safetensors.</summary>
public static class SafetensorsErrors
{
    public const string Truncated = "SafetensorsTruncated";
    public const string HeaderTooLarge = "SafetensorsHeaderTooLarge";
    public const string HeaderNotJson = "SafetensorsHeaderNotJson";
    public const string HeaderSchema = "SafetensorsHeaderSchema";
    public const string DuplicateTensor = "SafetensorsDuplicateTensor";
    public const string UnknownDType = "SafetensorsUnknownDType";
    public const string ByteLengthMismatch = "SafetensorsByteLengthMismatch";
    public const string OffsetsOutOfBounds = "SafetensorsOffsetsOutOfBounds";
    public const string OffsetsOverlap = "SafetensorsOffsetsOverlap";
    public const string OffsetsGap = "SafetensorsOffsetsGap";
    public const string Unreadable = "SafetensorsUnreadable";

    /// <summary>An output shard whose header would be longer than <see cref="SafetensorsHeader.MaxHeaderBytes"/>, which every reader refuses.</summary>
    public const string OutputHeaderTooLarge = "OutputHeaderTooLarge";

    /// <summary>A NaN or ±∞ among a floating-point tensor's elements: well-formed, but poison to any merge that reads it.</summary>
    public const string NonFinite = "NonFiniteInput";
}
