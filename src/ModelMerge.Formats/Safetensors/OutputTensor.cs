namespace ModelMerge.Formats.Safetensors;

/// <summary>A tensor that is about to be written: known shape and type, bytes still to come.</summary>
public sealed record OutputTensor(string Name, DType DType, long[] Shape)
{
    public long ByteLength => ShapeMath.ElementCount(Shape) * DType.SizeOf();
}
