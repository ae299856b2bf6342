namespace ModelMerge.PipelineTests.Support;

/// <summary>Holds a written float32 value to a float64 computation of it, in units in the last place of the float32.</summary>
public static class Ulps
{
    public static void AssertWithin(double expected, float actual, string tensor, int index, int ulps = 1)
    {
        float rounded = (float)expected;
        float ulp = MathF.BitIncrement(MathF.Abs(rounded)) - MathF.Abs(rounded);
        Assert.True(Math.Abs(actual - expected) <= ulps * ulp, $"{tensor}[{index}]: expected {expected}, got {actual}");
    }
}
