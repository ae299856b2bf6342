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
    /// </summary>
    public static Formats.Folders.StagingFolder Stage(string target)
    {
        try
        {
            return Formats.Folders.StagingFolder.Create(target);
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
            // A parent that is a file, a vanished mount: the folder cannot be made at all.
            throw new PlanException(WriteFailed,
                $"cannot create the output '{target}' in '{Path.GetDirectoryName(target) ?? target}': {ex.Message.Split(" : '")[0].TrimEnd('.', ' ')}.", target, ex);
        }
    }

    /// <summary>A write that failed part-way (a full disk, a vanished mount), told about the output the user named.</summary>
    public static PlanException WriteFailure(IOException failure, string target, long bytes)
    {
        // The system's text names the hidden staging file; keep only its reason.
        string reason = failure.Message.Split(" : '")[0].TrimEnd('.', ' ');
        bool full = reason.Contains("space", StringComparison.OrdinalIgnoreCase) || failure.HResult is 28 or 112 or unchecked((int)0x80070070);
        string advice = full ? $" The disk is full: the weights alone need {bytes:N0} bytes." : "";
        return new PlanException(WriteFailed,
            $"writing the output '{target}' failed: {reason}.{advice} Nothing was left behind; the inputs are untouched.", target, failure);
    }
}
