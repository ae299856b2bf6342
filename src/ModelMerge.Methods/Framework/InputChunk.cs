namespace ModelMerge.Methods.Framework;

/// <summary>
/// The same grid chunk of every input of a merge: elements [Start, Start + Count) of the base
/// (empty when the merge has none) and of each model, the models back to back.
/// </summary>
public readonly ref struct InputChunk
{
    public InputChunk(long start, int count, bool hasBase, ReadOnlySpan<float> baseValues, int modelCount, ReadOnlySpan<float> models)
    {
        if (models.Length < modelCount * count) throw new ArgumentException("the models' chunks must all have Count elements.", nameof(models));
        if (hasBase && baseValues.Length < count) throw new ArgumentException("the base chunk must have Count elements.", nameof(baseValues));
        Start = start;
        Count = count;
        HasBase = hasBase;
        Base = hasBase ? baseValues[..count] : default;
        ModelCount = modelCount;
        Models = models[..(modelCount * count)];
    }

    /// <summary>The flat index of the chunk's first element in the tensor.</summary>
    public long Start { get; }

    public int Count { get; }

    public bool HasBase { get; }

    /// <summary>The base's chunk, or empty.</summary>
    public ReadOnlySpan<float> Base { get; }

    public int ModelCount { get; }

    /// <summary>Every model's chunk back to back: model i at [i·Count, (i+1)·Count).</summary>
    public ReadOnlySpan<float> Models { get; }

    public ReadOnlySpan<float> Model(int index) => Models.Slice(index * Count, Count);
}
