namespace ModelMerge.PipelineTests.Support;

/// <summary>A fact that needs mount (Linux, root); skipped, saying why, where this machine cannot make a bind mount.</summary>
public sealed class MountFactAttribute : FactAttribute
{
    public MountFactAttribute()
    {
        if (LinuxTools.CannotMount is string why) Skip = why;
    }
}
