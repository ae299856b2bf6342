namespace ModelMerge.Formats.Folders;

/// <summary>A staging folder on disk that no export will finish: where it is, how much it holds, and whose it was.</summary>
/// <param name="Pid">The process that created it, as its lock file records (null when unknown).</param>
public sealed record StagingLeftover(string Path, long Bytes, int? Pid);
