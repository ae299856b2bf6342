using ModelMerge.Compute;
using ModelMerge.Methods.Framework;

namespace ModelMerge.Tests.Methods.Support;

/// <summary>What every per-tensor method test asks of a result: closeness to a float64 reference and independence from thread count.</summary>
internal static class MethodChecks
{
    /// <summary>A tensor that spans several 64 Ki grid chunks and ends in a scalar tail (not a multiple of a vector).</summary>
    public const int LargeLength = 200_003;

    /// <summary>A matrix whose 700-element rows straddle grid-chunk boundaries (65536 is no multiple of 700).</summary>
    public static readonly long[] RowMatrix = [300, 700];

    /// <summary>Each element within one float32 ulp of the float64 reference rounded to float32.</summary>
    public static void WithinOneUlp(double[] expected, float[] actual) => RoundedReference.AssertWithinOneUlp(expected, actual);

    /// <summary>Runs the merge on one thread and on two and returns the one-thread result after checking both have the same bits.</summary>
    public static float[] SameBitsOnOneAndTwoThreads(ITensorMerge method, long[] shape, float[]? baseValues, params float[][] models)
    {
        float[]? single = null;
        RoundedReference.AssertSameBitsOnOneAndTwoThreads(runner =>
        {
            var result = TensorMergeRunner.Run(method, shape, runner, baseValues, models);
            single ??= result;   // the first call runs on one thread
            return result;
        });
        return single!;
    }

    /// <summary>Normally distributed float32 values (Box–Muller on a seeded generator).</summary>
    public static float[] Normal(int seed, int length, double deviation, double mean = 0)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int j = 0; j < length; j++)
        {
            double u = 1 - random.NextDouble(), v = random.NextDouble();
            values[j] = (float)(mean + deviation * Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v));
        }
        return values;
    }

    public static long[] Flat(int length) => [length];

    public static int Length(long[] shape) => (int)shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>A method's parameters for one tensor from explicit values, the rest at their registry defaults.</summary>
    public static TensorParameters Parameters(MergeMethod method, int models, IReadOnlyDictionary<string, double>? global = null,
        IReadOnlyDictionary<string, double[]>? perModel = null)
    {
        var globals = new Dictionary<string, double>();
        var modelValues = new Dictionary<string, double[]>();
        foreach (var p in method.Parameters)
        {
            if (p.PerModel)
                modelValues[p.Name] = perModel?.GetValueOrDefault(p.Name) ?? Enumerable.Repeat(p.Default ?? double.NaN, models).ToArray();
            else if (global?.TryGetValue(p.Name, out double value) == true)
                globals[p.Name] = value;
            else if (p.Default is double d)
                globals[p.Name] = d;
        }
        return new TensorParameters("model.layers.0.mlp.up_proj.weight", [models], models, globals, modelValues);
    }
}
