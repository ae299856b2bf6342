using ModelMerge.Compute;
using ModelMerge.Methods.Framework;

namespace ModelMerge.Tests.Methods.Support;

/// <summary>Runs a method's per-tensor math over float arrays the way a plan does: reductions first, then chunk by chunk.</summary>
internal static class TensorMergeRunner
{
    public static float[] Run(ITensorMerge method, long[] shape, float[]? baseValues, params float[][] models) =>
        Run(method, shape, new ChunkRunner(0), baseValues, models);

    public static float[] Run(ITensorMerge method, long[] shape, ChunkRunner runner, float[]? baseValues, params float[][] models)
    {
        var inputs = new MergeInputs("model.layers.0.mlp.up_proj.weight", shape,
            baseValues is null ? null : new ArraySource(baseValues), models.Select(m => (IChunkSource)new ArraySource(m)).ToList());
        var merge = method.Prepare(inputs, runner);
        var output = new float[inputs.Length];
        runner.ForEachChunk(inputs.Length, (chunk, start, count) =>
            inputs.ReadChunk(chunk, (in InputChunk c) => merge.Merge(c, output.AsSpan((int)start, count))));
        return output;
    }
}
