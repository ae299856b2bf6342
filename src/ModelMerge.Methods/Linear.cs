using ModelMerge.Compute;
using ModelMerge.Methods.Framework;

namespace ModelMerge.Methods;

/// <summary>
/// linear (merge-semantics §3.1): Σ w_i·θ_i, divided by Σ w_i when normalizing — a model soup.
/// mergekit divides by a zero sum; here that is an error naming the tensor (§11 deviation 6).
/// </summary>
public sealed class Linear(double[] weights, bool normalize) : ITensorMerge, IChunkMerge
{
    public const string WeightsSumToZero = "WeightsSumToZero";

    public static MergeMethod Method { get; } = new("linear", "Linear", "https://arxiv.org/abs/2203.05482", BaseModelUse.Input, ModelValues.Checkpoints,
        MinModels: 1, MaxModels: null,
        [
            MethodParameter.Model("weight", null, "Weight of the model in the average; negative subtracts it."),
            MethodParameter.Global("normalize", 1, "Divide by the sum of the weights.", ParameterKind.Boolean),
        ],
        p => new Linear(p.PerModel("weight"), p.Flag("normalize")));

    private double _divisor = 1;

    public IReadOnlyList<double> Weights => weights;

    public bool Normalize => normalize;

    public IChunkMerge Prepare(MergeInputs inputs, ChunkRunner runner)
    {
        double sum = weights.Sum();
        if (normalize && Math.Abs(sum) < 1e-8)
            throw new MergeException(WeightsSumToZero,
                $"the weights [{string.Join(", ", weights)}] sum to zero, so their average is undefined; change a weight or turn normalize off.", inputs.TensorName);
        _divisor = normalize ? sum : 1;
        return this;
    }

    public void Merge(in InputChunk inputs, Span<float> output) => WeightedSum.Combine(inputs.Models, weights, _divisor, 1.0, default, output);
}
