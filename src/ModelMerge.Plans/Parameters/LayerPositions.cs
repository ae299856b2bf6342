using ModelMerge.Formats;

namespace ModelMerge.Plans.Parameters;

/// <summary>
/// Where a tensor sits in the depth of the model, the t a gradient is evaluated at (merge-semantics
/// §1.3): layer k of L gets k/(L−1) (1 when L = 1); tensors outside the repeated blocks —
/// embeddings, final norm, lm_head — get 0, so they take a gradient's first value, as mergekit does.
/// </summary>
public sealed class LayerPositions
{
    private readonly int _layerCount;

    public LayerPositions(int layerCount) => _layerCount = layerCount;

    /// <summary>Positions over the layers a tensor list names (the highest layer index + 1).</summary>
    public static LayerPositions Of(IEnumerable<string> tensorNames) =>
        new(tensorNames.Select(TensorOrder.LayerIndex).Where(i => i is not null).Select(i => i!.Value + 1).DefaultIfEmpty(0).Max());

    public int LayerCount => _layerCount;

    public double For(string tensorName)
    {
        if (TensorOrder.LayerIndex(tensorName) is not int layer) return 0;
        return _layerCount <= 1 ? 1 : (double)layer / (_layerCount - 1);
    }
}
