namespace ModelMerge.PipelineTests.Support;

/// <summary>A fact that needs chattr +i (Linux, root, ext4 or the like); skipped, saying why, where this machine cannot make a file immutable.</summary>
public sealed class PinFactAttribute : FactAttribute
{
    public PinFactAttribute()
    {
        if (LinuxTools.CannotPin is string why) Skip = why;
    }
}
