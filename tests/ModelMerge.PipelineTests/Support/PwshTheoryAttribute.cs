namespace ModelMerge.PipelineTests.Support;

/// <summary>A theory that needs a real pwsh on Linux; skipped, saying why, where there is none.</summary>
public sealed class PwshTheoryAttribute : TheoryAttribute
{
    public PwshTheoryAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "signals are tested on Linux";
        else if (Pwsh.Location is null) Skip = Pwsh.Missing;
    }
}
