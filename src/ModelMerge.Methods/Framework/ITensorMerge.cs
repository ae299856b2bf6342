using ModelMerge.Compute;

namespace ModelMerge.Methods.Framework;

/// <summary>
/// One merge method's math for one tensor, with its parameters already resolved for that tensor.
/// Whole-tensor statistics (norms, dot products, thresholds) are reduction passes in
/// <see cref="Prepare"/>; what it returns then produces the result chunk by chunk, so no tensor
/// has to exist whole in float32.
/// </summary>
public interface ITensorMerge
{
    /// <summary>Runs the reduction passes over <paramref name="inputs"/> and returns the per-chunk combine.</summary>
    IChunkMerge Prepare(MergeInputs inputs, ChunkRunner runner);
}

/// <summary>Produces one grid chunk of the merged tensor from the same chunk of every input; called on several threads at once.</summary>
public interface IChunkMerge
{
    /// <param name="inputs">Elements [Start, Start + Count) of the base (if any) and of every model.</param>
    /// <param name="output">Count elements of the merged tensor, rounded once to float32.</param>
    void Merge(in InputChunk inputs, Span<float> output);
}
