using ModelMerge.Plans.Handles;

namespace ModelMerge.Plans.Export;

/// <summary>Checks an export's target before anything is written.</summary>
public static class OutputTarget
{
    public const string OutputExists = "OutputExists";
    public const string OutputIsInput = "OutputIsInput";
    public const string OutputNotReplaceable = "OutputNotReplaceable";
    public const string OutputNotWritable = "OutputNotWritable";
    public const string WriteFailed = "WriteFailed";

    /// <summary>
    /// The full target path; throws when it is, holds or lies inside an input (by file identity, whatever links and
    /// mounts make of the spelling), when it exists without <paramref name="force"/>, and when what exists is not an
    /// earlier export that -Force may replace. <paramref name="workingFolder"/> (the caller's current location, besides
    /// the process's) is never replaced, nor any folder holding it.
    /// </summary>
    public static string Validate(CheckpointHandle checkpoint, string target, bool force, string? workingFolder = null)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(target));
        if (InputIdentities.Of(checkpoint.InputPaths).Overlap(full) is var (input, how))
            throw new PlanException(OutputIsInput,
                $"the output '{full}' overlaps the input '{input}': it {how} that input{(Spelled(full, input, how) ? "" : ", reached through a link or mount")}; "
                + "inputs are never modified, so choose another folder.", full);
        if (!ExistingOutput.Occupies(full)) return full;
        if (!force) throw new PlanException(OutputExists, $"'{full}' already exists; use -Force to replace it.", full);
        ExistingOutput.Replaceable(full, WorkingFolders(workingFolder));
        return full;
    }

    /// <summary>What -Force would delete at <paramref name="target"/> ("replacing the existing checkpoint ..."); null when nothing is there or it may not be replaced.</summary>
    public static string? Replacement(string target, string? workingFolder = null)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(target));
        if (!ExistingOutput.Occupies(full)) return null;
        try
        {
            return ExistingOutput.Replaceable(full, WorkingFolders(workingFolder)).Description;
        }
        catch (PlanException)
        {
            return null;
        }
    }

    /// <summary>
    /// Moves the finished folder into place, replacing an earlier export when <paramref name="replace"/>; a refusal
    /// names the target and says that it is as it was. Old content left behind is a warning, not a failure.
    /// </summary>
    public static void Commit(Formats.Folders.StagingFolder staging, bool replace, Action<string>? warn)
    {
        try
        {
            staging.Commit(replace, warn);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            string reason = ex.Message.Split(" : '")[0].TrimEnd('.', ' ');
            throw ex switch
            {
                { HResult: ReadOnlyFileSystem } => new PlanException(OutputNotWritable,
                    $"cannot move the output into '{staging.Target}': the file system is read-only ({reason}). '{staging.Target}' is as it was.", staging.Target, ex),
                UnauthorizedAccessException or { HResult: Busy or NotPermitted or Denied } => new PlanException(OutputNotReplaceable,
                    $"cannot replace '{staging.Target}': {reason} (a mount point, an immutable folder, or one in use). '{staging.Target}' is as it was; "
                    + "choose another path, or export into a folder inside it.", staging.Target, ex),
                _ => new PlanException(WriteFailed,
                    $"moving the finished output into '{staging.Target}' failed: {reason}. '{staging.Target}' is as it was; the inputs are untouched.", staging.Target, ex),
            };
        }
    }

    /// <summary>Whether the paths as written already show the overlap, so the message need not explain it.</summary>
    private static bool Spelled(string output, string input, string how) => how switch
    {
        "is" => output == input,
        "holds" => input.StartsWith(output.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal),
        _ => output.StartsWith(input + Path.DirectorySeparatorChar, StringComparison.Ordinal),
    };

    /// <summary>The caller's current location and the process's: neither, nor a folder holding them, is ever replaced.</summary>
    private static string[] WorkingFolders(string? workingFolder) =>
        workingFolder is null ? [Environment.CurrentDirectory] : [workingFolder, Environment.CurrentDirectory];

    private const int NotPermitted = 1;
    private const int Denied = 13;
    private const int Busy = 16;
    private const int ReadOnlyFileSystem = 30;

    /// <summary>
    /// The staging folder beside <paramref name="target"/>. Failing to create it is the first sign of a folder
    /// the user cannot write to; say that about the folder they named, not about the hidden staging name.
    /// Another export writing the same target stops this one here, before anything is computed; staging
    /// folders that killed exports left for it are removed, each with a warning.
    /// </summary>
    public static Formats.Folders.StagingFolder Stage(string target, Action<string>? warn = null)
    {
        Formats.Folders.StagingFolder staging;
        try
        {
            staging = Formats.Folders.StagingFolder.Create(target);
        }
        catch (Formats.Folders.ExportInProgressException ex)
        {
            throw new PlanException(OutputExists,
                $"{ex.Message} Wait for it to finish, or stop it, or choose another path.", target, ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new PlanException(OutputNotWritable,
                $"cannot write the output in '{Path.GetDirectoryName(target) ?? target}': it is read-only or you may not write there. "
                + "The export builds the folder beside its target and moves it into place, so the parent must be writable.", target, ex);
        }
        catch (IOException ex) when (ex.HResult == ReadOnlyFileSystem)
        {
            throw new PlanException(OutputNotWritable,
                $"cannot write the output in '{Path.GetDirectoryName(target) ?? target}': it is on a read-only file system. "
                + "Choose a folder on a writable disk, or remount it read-write.", target, ex);
        }
        catch (IOException ex)
        {
            // A parent that is a file, a vanished mount, no space or no inodes: the folder cannot be made at all.
            string where = Path.GetDirectoryName(target) ?? target;
            throw new PlanException(WriteFailed,
                $"cannot create the output '{target}' in '{where}': {Reason(ex)}.{SpaceAdvice(ex, where, null, 0)}", target, ex);
        }
        foreach (var left in staging.Removed)
            warn?.Invoke($"Removed '{left.Path}' ({left.Bytes:N0} bytes), a staging folder for '{staging.Target}' left by an export"
                + (left.Pid is int pid ? $" (pid {pid})" : "") + " that was killed before it could clean up.");
        return staging;
    }

    /// <summary>
    /// A write that failed part-way (a full disk, a vanished mount), told about the output the user named: which
    /// file was being written, whether space or inodes ran out (measured before the staging folder is removed,
    /// which frees both), and whether the staging folder is really gone.
    /// </summary>
    public static PlanException WriteFailure(IOException failure, string target, long bytes, string file, Formats.Folders.StagingFolder staging)
    {
        string advice = SpaceAdvice(failure, Path.GetDirectoryName(staging.Path)!, file, bytes);
        var left = staging.Remove();
        string outcome = left is null
            ? " Nothing was left behind; the inputs are untouched."
            : $" '{left.Path}' ({left.Bytes:N0} bytes) could not be deleted: remove it by hand, or export to '{target}' again, which removes it. The inputs are untouched.";
        return new PlanException(WriteFailed, $"writing the output '{target}' failed while writing {file}: {Reason(failure)}.{advice}{outcome}", target, failure);
    }

    /// <summary>The system's text names the hidden staging file; keep only its reason.</summary>
    private static string Reason(IOException failure) => failure.Message.Split(" : '")[0].TrimEnd('.', ' ');

    /// <summary>For a "no space left": whether the bytes or the inodes ran out, and what the output needs.</summary>
    private static string SpaceAdvice(IOException failure, string folder, string? file, long bytes)
    {
        const int noSpace = 28, quota = 122;
        bool full = Reason(failure).Contains("space", StringComparison.OrdinalIgnoreCase)
            || failure.HResult is noSpace or quota or 112 or unchecked((int)0x80070070);
        if (!full) return "";
        var space = Formats.Folders.FileSystemSpace.Of(folder);
        if (space is { FreeInodes: 0 } && space.FreeBytes > 0)
            return $" The file system holding '{folder}' has no free inodes (it cannot hold more files), though {space.FreeBytes:N0} bytes are free: "
                + "delete files there or choose another file system.";
        string weights = file is null ? "" : file.EndsWith(".safetensors", StringComparison.Ordinal)
            ? $" the weights alone need {bytes:N0} bytes"
            : $" the weights ({bytes:N0} bytes) fitted, {file} did not";
        return $" The disk is full{(weights.Length > 0 ? ":" + weights : "")}.";
    }
}
