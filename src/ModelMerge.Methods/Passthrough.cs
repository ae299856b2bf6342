using ModelMerge.Compute;
using ModelMerge.Methods.Framework;

namespace ModelMerge.Methods;

/// <summary>
/// passthrough (merge-semantics §5.3): the one input of an output tensor, multiplied by its
/// model's <c>scale</c> when set. With slices this stacks layers ("frankenmerges", §7.4) and
/// damps duplicated ones.
/// </summary>
public sealed class Passthrough(double scale) : ITensorMerge
{
    public const string SeveralInputs = "PassthroughSeveralInputs";

    /// <summary>
    /// mergekit's scale has no default and "not set" leaves the tensor as it is; 1 is that: the
    /// copy keeps the input's bits.
    /// </summary>
    public const double Unscaled = 1.0;

    public static MergeMethod Method { get; } = new("passthrough", "Passthrough", null, BaseModelUse.None, ModelValues.Checkpoints,
        MinModels: 1, MaxModels: 1,
        [MethodParameter.Model("scale", Unscaled, "Multiplies the tensor (e.g. 0.5 to damp a duplicated layer's o_proj and down_proj); unset leaves it unchanged.")],
        parameters => new Passthrough(parameters.PerModel("scale") is [double first, ..] ? first : Unscaled));

    public IChunkMerge Prepare(MergeInputs inputs, ChunkRunner runner)
    {
        if (inputs.ModelCount != 1 || inputs.HasBase)
            throw new MergeException(SeveralInputs,
                $"passthrough takes exactly one input per tensor, got {inputs.ModelCount + (inputs.HasBase ? 1 : 0)}; use slices to pick one model per layer range.",
                inputs.TensorName);
        return InputCopy.Model(0, scale);
    }
}
