namespace ModelMerge.Fuzz.Harness;

/// <summary>
/// One generated input and the call that feeds it to the parser. The input is built before the
/// clock and the allocation counter start, so that only the parser is measured; it is kept as
/// bytes so that a finding can be saved exactly as the parser saw it.
/// </summary>
public sealed class FuzzCase(byte[] input, string extension, Action run, string? note = null)
{
    /// <summary>The bytes saved with a finding: a file image, header JSON or recipe text.</summary>
    public byte[] Input { get; } = input;

    /// <summary>The file extension a saved input gets, so it opens as what it is (".json", ".yml", ...).</summary>
    public string Extension { get; } = extension;

    /// <summary>Calls the parser; throws whatever the parser throws, or <see cref="InvariantViolation"/>.</summary>
    public Action Run { get; } = run;

    /// <summary>What the bytes alone do not say, such as the file length a header was parsed against.</summary>
    public string? Note { get; } = note;
}
