namespace ModelMerge.Tests.Methods.Support;

internal static class WorkedExample
{
    /// <summary>merge-semantics' worked examples are printed to six decimals; it asks for 1e-5 absolute.</summary>
    public const double Tolerance = 1e-5;

    public static void AssertClose(double[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int j = 0; j < actual.Length; j++)
            Assert.True(Math.Abs(expected[j] - actual[j]) <= Tolerance, $"element {j}: expected {expected[j]}, got {actual[j]}");
    }

    /// <summary>The same expectation for a result computed over repeated copies of the example.</summary>
    public static void AssertCloseRepeated(double[] expected, float[] actual)
    {
        Assert.Equal(0, actual.Length % expected.Length);
        for (int j = 0; j < actual.Length; j++)
            Assert.True(Math.Abs(expected[j % expected.Length] - actual[j]) <= Tolerance,
                $"element {j} (example element {j % expected.Length}): expected {expected[j % expected.Length]}, got {actual[j]}");
    }
}
