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

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.Ordinal);

    private static bool Inside(string path, string folder) => path.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal);
}
