namespace ModelMerge.Formats.Folders;

/// <summary>Another live export holds a staging folder for the same target.</summary>
public sealed class ExportInProgressException(string target, string staging, int? pid)
    : IOException($"another export{(pid is int p ? $" (pid {p})" : "")} is writing '{target}' (its staging folder is '{staging}').")
{
    public string Target { get; } = target;

    /// <summary>The other export's staging folder.</summary>
    public string Staging { get; } = staging;

    /// <summary>The process writing it, as its lock file records (null when it could not be read).</summary>
    public int? Pid { get; } = pid;
}
