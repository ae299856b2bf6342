using ModelMerge.Formats;

namespace ModelMerge.Plans;

/// <summary>What a handle says about one of its tensors: name, type and shape, never values.</summary>
public sealed record TensorSpec(string Name, DType DType, long[] Shape)
{
    public long ElementCount => ShapeMath.ElementCount(Shape);

    /// <summary>Whether merge methods compute on it: a learned F32, F16 or BF16 weight. Integer tensors and buffers (rotary caches) are carried through.</summary>
    public bool IsMergeable => DType.IsMergeable() && !TensorRoles.IsBuffer(Name);

    public string ShapeText => ShapeMath.Format(Shape);

    public override string ToString() => $"{Name} {DType.ToHeaderName()} {ShapeText}";
}
