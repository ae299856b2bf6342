namespace ModelMerge.Tests.Methods.Support;

internal static class ChunkLayout
{
    /// <summary>
    /// Inputs laid back to back (input i at [i·n, (i+1)·n)), the layout the combine kernels take,
    /// each repeated <paramref name="copies"/> times so that vector lanes see the values too.
    /// </summary>
    public static float[] BackToBack(int copies, params float[][] vectors)
    {
        int n = vectors[0].Length * copies;
        var packed = new float[vectors.Length * n];
        for (int i = 0; i < vectors.Length; i++)
            for (int c = 0; c < copies; c++)
                vectors[i].CopyTo(packed, i * n + c * vectors[i].Length);
        return packed;
    }
}
