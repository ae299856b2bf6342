using ModelMerge.Plans.Handles;

namespace ModelMerge.Plans.Export;

/// <summary>Checks an export's target before anything is written.</summary>
public static class OutputTarget
{
    public const string OutputExists = "OutputExists";
    public const string OutputIsInput = "OutputIsInput";
    public const string OutputNotWritable = "OutputNotWritable";
    public const string WriteFailed = "WriteFailed";

    /// <summary>The full target path; throws when it would overwrite or sit inside an input, or exists without force.</summary>
    public static string Validate(CheckpointHandle checkpoint, string target, bool force)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(target));
        foreach (var input in checkpoint.InputPaths)
        {
            string inputFull = Path.TrimEndingDirectorySeparator(Path.GetFullPath(input));
            if (Same(full, inputFull) || Inside(full, inputFull) || Inside(inputFull, full))
                throw new PlanException(OutputIsInput,
                    $"the output '{full}' overlaps the input '{inputFull}'; inputs are never modified, so choose another folder.", full);
        }
        if (!force && (Directory.Exists(full) || File.Exists(full)))
            throw new PlanException(OutputExists, $"'{full}' already exists; use -Force to replace it.", full);
        return full;
    }

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

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.Ordinal);

    private static bool Inside(string path, string folder) => path.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal);
}
