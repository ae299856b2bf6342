namespace ModelMerge.Formats;

/// <summary>One tensor as a safetensors header declares it: where its bytes are, not the bytes.</summary>
public sealed record TensorInfo(string Name, DType DType, long[] Shape, string FilePath, long FileOffset, long ByteLength)
{
    /// <summary>The file as it was when the header was read; reads check it (null for tensors not read from a file's header).</summary>
    public FileStamp? Stamp { get; init; }

    public long ElementCount => ShapeMath.ElementCount(Shape);

    public string ShapeText => ShapeMath.Format(Shape);

    public override string ToString() => $"{Name} {DType.ToHeaderName()} {ShapeText}";
}

public static class ShapeMath
{
    /// <summary>Product of the dimensions; a scalar (no dimensions) has one element.</summary>
    public static long ElementCount(IReadOnlyList<long> shape)
    {
        long count = 1;
        foreach (var dim in shape) count = checked(count * dim);
        return count;
    }

    public static string Format(IReadOnlyList<long> shape) => "[" + string.Join(", ", shape) + "]";

    public static bool SameShape(IReadOnlyList<long> a, IReadOnlyList<long> b)
    {
        if (a.Count != b.Count) return false;
        for (int i = 0; i < a.Count; i++)
            if (a[i] != b[i]) return false;
        return true;
    }
}
